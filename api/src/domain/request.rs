//! Whether a role may be requested, decided from facts the caller gathers (the shape of
//! `chain::resolve`): the role must be listed for the requester's organization and kind
//! (internal or external), be a PROD role unless the organization may request others, and be
//! neither held nor already asked for. Refusals say which, in the requester's words.

use super::named;
use super::saar::RequestType;
use uuid::Uuid;

named! {
    /// Who may request a role.
    pub enum Requestable ("requester kind") {
        /// Internal (DLA, DFAS) users only.
        Internal = "internal",
        /// External users only.
        External = "external",
        Both = "both",
    }
}

named! {
    /// Who approves the renewal of a role about to expire.
    pub enum RenewalApprover ("renewal approver") {
        /// The holder's supervisor (the EAO for external users): the default.
        Supervisor = "supervisor",
        /// The role's data owner.
        DataOwner = "data_owner",
        /// The role's whole approval chain, as for a new request.
        Chain = "chain",
    }
}

impl Requestable {
    /// Whether a requester who is external (or not) may ask for it.
    pub fn admits(self, is_external: bool) -> bool {
        match self {
            Self::Both => true,
            Self::Internal => !is_external,
            Self::External => is_external,
        }
    }
}

/// The facts about a role that decide whether it may be requested.
#[derive(Debug, Clone, Copy)]
pub struct Offer<'a> {
    pub name: &'a str,
    pub environment: &'a str,
    pub hidden: bool,
    pub requestable_by: Requestable,
    /// The organizations the role is limited to (none: every organization).
    pub limited_to: &'a [Uuid],
}

/// The facts about the person the role is for.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    pub organization: Uuid,
    pub organization_code: &'a str,
    pub is_external: bool,
    /// Whether the organization may request roles outside PROD.
    pub allows_non_prod: bool,
}

/// Why a role may not be requested: a stable code and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Offer<'_> {
    /// Whether the role is listed for `who` at all (role search shows only these).
    pub fn is_listed_for(&self, who: &Requester<'_>) -> bool {
        !self.hidden
            && self.requestable_by.admits(who.is_external)
            && (self.limited_to.is_empty() || self.limited_to.contains(&who.organization))
    }
}

/// Whether `who` may ask for `kind` of `offer` (`None`: no such role); `held` and `pending`
/// (the number of an open request) are the subject's. A new role must not be held yet; a
/// removal (`Deactivate`) only of a role that is.
pub fn check(
    offer: Option<&Offer<'_>>,
    who: &Requester<'_>,
    kind: RequestType,
    held: bool,
    pending: Option<&str>,
) -> Result<(), Refusal> {
    let refuse = |code, message: String| Err(Refusal { code, message });
    let Some(r) = offer.filter(|r| !r.hidden) else {
        return refuse(
            "not_available",
            "A requested role is not available to you.".into(),
        );
    };
    if !r.is_listed_for(who) {
        let why = match r.requestable_by {
            Requestable::Internal if who.is_external => "is for internal (DLA and DFAS) users only",
            Requestable::External if !who.is_external => "is for external users only",
            _ => "is not available to your organization",
        };
        return refuse("not_available", format!("The role \"{}\" {why}.", r.name));
    }
    if r.environment != "PROD" && !who.allows_non_prod {
        return refuse(
            "non_prod",
            format!(
                "\"{}\" is a {} role; your organization ({}) may request PROD roles only.",
                r.name, r.environment, who.organization_code
            ),
        );
    }
    match (kind, held) {
        (RequestType::Deactivate, false) => {
            return refuse(
                "not_held",
                format!(
                    "You do not hold \"{}\" ({}), so there is nothing to remove.",
                    r.name, r.environment
                ),
            );
        }
        (RequestType::Initial, true) => {
            return refuse(
                "held",
                format!("You already hold \"{}\" ({}).", r.name, r.environment),
            );
        }
        (RequestType::Renewal, _) => {
            return refuse(
                "renewal",
                format!(
                    "A renewal of \"{}\" is asked from Current Roles, when the role is about to expire.",
                    r.name
                ),
            );
        }
        _ => {}
    }
    if let Some(n) = pending {
        return refuse(
            "pending",
            format!("You already have a pending request for \"{}\": {n}.", r.name),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DLA: Uuid = Uuid::from_u128(1);
    const VENDORS: Uuid = Uuid::from_u128(2);

    fn offer() -> Offer<'static> {
        Offer {
            name: "Web User POP-001",
            environment: "PROD",
            hidden: false,
            requestable_by: Requestable::Both,
            limited_to: &[],
        }
    }

    fn internal() -> Requester<'static> {
        Requester {
            organization: DLA,
            organization_code: "DLA",
            is_external: false,
            allows_non_prod: false,
        }
    }

    fn code(r: Result<(), Refusal>) -> Option<&'static str> {
        r.err().map(|e| e.code)
    }

    #[test]
    fn an_open_prod_role_may_be_requested_once() {
        assert_eq!(
            check(Some(&offer()), &internal(), RequestType::Initial, false, None),
            Ok(())
        );
        assert_eq!(
            code(check(
                Some(&offer()),
                &internal(),
                RequestType::Initial,
                true,
                None
            )),
            Some("held")
        );
        let e = check(
            Some(&offer()),
            &internal(),
            RequestType::Initial,
            false,
            Some("SAAR-2026-000001"),
        )
        .expect_err("pending");
        assert_eq!(e.code, "pending");
        assert!(e.message.contains("SAAR-2026-000001"));
    }

    #[test]
    fn hidden_unknown_and_unlisted_roles_are_not_available() {
        assert_eq!(
            code(check(None, &internal(), RequestType::Initial, false, None)),
            Some("not_available")
        );
        let hidden = Offer {
            hidden: true,
            ..offer()
        };
        assert_eq!(
            code(check(
                Some(&hidden),
                &internal(),
                RequestType::Initial,
                false,
                None
            )),
            Some("not_available")
        );
        let vendors_only = Offer {
            limited_to: &[VENDORS],
            ..offer()
        };
        assert!(!vendors_only.is_listed_for(&internal()));
        let external_only = Offer {
            requestable_by: Requestable::External,
            ..offer()
        };
        let e = check(
            Some(&external_only),
            &internal(),
            RequestType::Initial,
            false,
            None,
        )
        .expect_err("internal user");
        assert_eq!(
            e.message,
            "The role \"Web User POP-001\" is for external users only."
        );
    }

    #[test]
    fn non_prod_roles_need_an_organization_that_allows_them() {
        let test = Offer {
            environment: "TEST",
            ..offer()
        };
        assert_eq!(
            code(check(Some(&test), &internal(), RequestType::Initial, false, None)),
            Some("non_prod")
        );
        let allowed = Requester {
            allows_non_prod: true,
            ..internal()
        };
        assert_eq!(
            check(Some(&test), &allowed, RequestType::Initial, false, None),
            Ok(())
        );
    }

    #[test]
    fn only_a_held_role_can_be_removed() {
        let removal = |held| check(Some(&offer()), &internal(), RequestType::Deactivate, held, None);
        assert_eq!(code(removal(false)), Some("not_held"));
        assert_eq!(removal(true), Ok(()));
    }

    #[test]
    fn requester_kinds() {
        assert!(Requestable::Both.admits(true) && Requestable::Both.admits(false));
        assert!(Requestable::Internal.admits(false) && !Requestable::Internal.admits(true));
        assert!(Requestable::External.admits(true) && !Requestable::External.admits(false));
    }
}
