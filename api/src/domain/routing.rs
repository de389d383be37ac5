//! Nobody approves their own access: who may never decide a task of a SAAR, and where a task
//! goes when the approver its chain names is one of them.
//!
//! The subject and the requester of a SAAR decide none of its tasks; a person who approved one
//! level decides no other level of it; a deputy is held to the same limits as anyone. When the
//! named approver is excluded, a supervisor level (or an external user's EAO level) goes to
//! that approver's own supervisor, any other level to the administrators.

use super::chain::LevelKind;
use uuid::Uuid;

/// The administrators' queue: a reserved approval group whose members are the holders of the
/// Administrator role (not a membership list anyone edits).
pub const ADMINISTRATORS: Uuid = Uuid::from_u128(0x6164_6d69_6e73_4000_8000_0000_0000_0001);

/// The chain of one of AMPS's own administrative roles: whatever the catalog says, it ends at
/// the administrators, so no chain a catalog owner builds grants administrative power alone.
pub fn ending_at_administrators(levels: &[LevelKind]) -> Vec<LevelKind> {
    let mut out = levels.to_vec();
    if out.last() != Some(&LevelKind::Group(ADMINISTRATORS)) {
        out.push(LevelKind::Group(ADMINISTRATORS));
    }
    out
}

/// The people a SAAR's tasks must be kept from.
#[derive(Debug, Clone, Default)]
pub struct Parties {
    pub subject: Uuid,
    pub requester: Uuid,
    /// Who approved which level so far: (level, person).
    pub approvals: Vec<(i32, Uuid)>,
}

/// Why a person may not decide a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exclusion {
    /// They are whom the request is for.
    Subject,
    /// They made the request.
    Requester,
    /// They approved another level of it.
    ApprovedLevel(i32),
}

impl Exclusion {
    /// The reason in words, after the person's name ("Dan Dataowner is …").
    pub fn reason(self) -> String {
        match self {
            Self::Subject => "the person this request is for".into(),
            Self::Requester => "the person who made this request".into(),
            Self::ApprovedLevel(l) => format!("the approver of level {l} of this request"),
        }
    }

    /// The refusal the excluded person gets when they try to decide anyway.
    pub fn refusal(self) -> String {
        match self {
            Self::Subject => "You may not decide a request for your own access.".into(),
            Self::Requester => "You may not decide a request you made.".into(),
            Self::ApprovedLevel(l) => {
                format!("You approved level {l} of this request; another person must decide this level.")
            }
        }
    }
}

impl Parties {
    /// Whether `person` may not decide the task of `level`, and why.
    pub fn exclusion(&self, person: Uuid, level: i32) -> Option<Exclusion> {
        if person == self.subject {
            Some(Exclusion::Subject)
        } else if person == self.requester {
            Some(Exclusion::Requester)
        } else {
            self.approvals
                .iter()
                .find(|(l, who)| *who == person && *l != level)
                .map(|(l, _)| Exclusion::ApprovedLevel(*l))
        }
    }
}

/// Where a level goes when its named approver is excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// The named approver's own supervisor (if they have one who may decide it).
    TheirSupervisor,
    /// The administrators' queue.
    Administrators,
}

/// Where `kind`'s task goes when its named approver is excluded.
pub fn fallback(kind: LevelKind) -> Fallback {
    match kind {
        LevelKind::Supervisor | LevelKind::Eao => Fallback::TheirSupervisor,
        _ => Fallback::Administrators,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (Uuid, Uuid, Uuid, Uuid) {
        (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        )
    }

    #[test]
    fn subject_and_requester_decide_nothing() {
        let (subject, requester, other, _) = ids();
        let p = Parties {
            subject,
            requester,
            approvals: vec![],
        };
        for level in 1..=4 {
            assert_eq!(p.exclusion(subject, level), Some(Exclusion::Subject));
            assert_eq!(p.exclusion(requester, level), Some(Exclusion::Requester));
            assert_eq!(p.exclusion(other, level), None);
        }
    }

    #[test]
    fn one_person_approves_one_level() {
        let (subject, requester, sup, so) = ids();
        let p = Parties {
            subject,
            requester,
            approvals: vec![(1, sup), (2, so)],
        };
        assert_eq!(p.exclusion(sup, 1), None, "the same level again (after a return)");
        assert_eq!(p.exclusion(sup, 3), Some(Exclusion::ApprovedLevel(1)));
        assert_eq!(p.exclusion(so, 4), Some(Exclusion::ApprovedLevel(2)));
        assert!(Exclusion::ApprovedLevel(2).refusal().contains("level 2"));
    }

    #[test]
    fn administrative_roles_end_at_the_administrators() {
        let owner_group = LevelKind::Group(Uuid::from_u128(9));
        assert_eq!(
            ending_at_administrators(&[owner_group]),
            vec![owner_group, LevelKind::Group(ADMINISTRATORS)]
        );
        assert_eq!(
            ending_at_administrators(&[LevelKind::Supervisor, LevelKind::Group(ADMINISTRATORS)]),
            vec![LevelKind::Supervisor, LevelKind::Group(ADMINISTRATORS)]
        );
        assert_eq!(
            ending_at_administrators(&[]),
            vec![LevelKind::Group(ADMINISTRATORS)]
        );
    }

    #[test]
    fn supervisor_levels_go_up_the_line_others_to_administrators() {
        assert_eq!(fallback(LevelKind::Supervisor), Fallback::TheirSupervisor);
        assert_eq!(fallback(LevelKind::Eao), Fallback::TheirSupervisor);
        for k in [LevelKind::SecurityOfficer, LevelKind::DataOwner, LevelKind::Iao] {
            assert_eq!(fallback(k), Fallback::Administrators);
        }
    }
}
