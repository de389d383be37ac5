//! Approval chains: a role's ordered levels, resolved for one requester into the people or
//! groups who act. External requesters' chains use their EAO in place of a supervisor.

use uuid::Uuid;

/// One level of a role's chain, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelKind {
    Supervisor,
    SecurityOfficer,
    DataOwner,
    Iao,
    Eao,
    Group(Uuid),
}

impl LevelKind {
    /// Stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Supervisor => "supervisor",
            Self::SecurityOfficer => "security_officer",
            Self::DataOwner => "data_owner",
            Self::Iao => "iao",
            Self::Eao => "eao",
            Self::Group(_) => "group",
        }
    }

    /// From the stored name and group.
    pub fn parse(kind: &str, group: Option<Uuid>) -> Result<Self, String> {
        Ok(match (kind, group) {
            ("supervisor", _) => Self::Supervisor,
            ("security_officer", _) => Self::SecurityOfficer,
            ("data_owner", _) => Self::DataOwner,
            ("iao", _) => Self::Iao,
            ("eao", _) => Self::Eao,
            ("group", Some(g)) => Self::Group(g),
            ("group", None) => return Err("a group level needs a group".into()),
            (other, _) => return Err(format!("{other:?} is not an approval level")),
        })
    }

    /// A label for people.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Supervisor => "Supervisor",
            Self::SecurityOfficer => "Security Officer",
            Self::DataOwner => "Data Owner",
            Self::Iao => "Information Assurance Officer",
            Self::Eao => "External Authorizing Official",
            Self::Group(_) => "Approval group",
        }
    }
}

/// Who acts at a resolved level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    Person(Uuid),
    Group(Uuid),
}

/// A resolved level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedLevel {
    pub kind: LevelKind,
    pub assignee: Assignee,
}

/// The facts about a requester and a role that resolution needs.
#[derive(Debug, Clone, Default)]
pub struct ChainFacts {
    pub is_external: bool,
    pub supervisor: Option<Uuid>,
    pub security_officer: Option<Uuid>,
    pub eao: Option<Uuid>,
    pub data_owner: Option<Uuid>,
    pub iao: Option<Uuid>,
}

/// Why a chain cannot be resolved, in words for the requester.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unresolvable(pub String);

/// Resolves `levels` for the requester. A Supervisor level of an external requester goes to
/// the EAO; Data Owner and IAO stay internal (the role's).
pub fn resolve(levels: &[LevelKind], f: &ChainFacts) -> Result<Vec<ResolvedLevel>, Unresolvable> {
    if levels.is_empty() {
        return Err(Unresolvable(
            "this role has no approval chain configured; contact the help desk".into(),
        ));
    }
    levels
        .iter()
        .map(|kind| {
            let (kind, person, missing) = match kind {
                LevelKind::Supervisor | LevelKind::Eao if f.is_external => {
                    (LevelKind::Eao, f.eao, "your External Authorizing Official is not registered in AMPS yet; ask them to register, or update My Information")
                }
                LevelKind::Supervisor => (LevelKind::Supervisor, f.supervisor, "you have no supervisor on file; set one in My Information"),
                LevelKind::Eao => (LevelKind::Supervisor, f.supervisor, "you have no supervisor on file; set one in My Information"),
                LevelKind::SecurityOfficer => (*kind, f.security_officer, "you have no security officer on file; set one in My Information"),
                LevelKind::DataOwner => (*kind, f.data_owner, "this role has no data owner configured; contact the help desk"),
                LevelKind::Iao => (*kind, f.iao, "this role has no IAO configured; contact the help desk"),
                LevelKind::Group(g) => return Ok(ResolvedLevel { kind: *kind, assignee: Assignee::Group(*g) }),
            };
            person
                .map(|p| ResolvedLevel { kind, assignee: Assignee::Person(p) })
                .ok_or_else(|| Unresolvable(missing.into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> (Uuid, Uuid, Uuid, Uuid, Uuid) {
        (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
            Uuid::from_u128(5),
        )
    }

    #[test]
    fn internal_chain_goes_to_supervisor_then_security_officer_data_owner_and_iao() {
        let (sup, so, _eao, dob, iao) = ids();
        let f = ChainFacts {
            supervisor: Some(sup),
            security_officer: Some(so),
            data_owner: Some(dob),
            iao: Some(iao),
            ..Default::default()
        };
        let chain = [
            LevelKind::Supervisor,
            LevelKind::SecurityOfficer,
            LevelKind::DataOwner,
            LevelKind::Iao,
        ];
        let r = resolve(&chain, &f).expect("resolves");
        assert_eq!(
            r.iter().map(|l| l.assignee).collect::<Vec<_>>(),
            vec![
                Assignee::Person(sup),
                Assignee::Person(so),
                Assignee::Person(dob),
                Assignee::Person(iao)
            ]
        );
    }

    #[test]
    fn external_requesters_get_their_eao_in_place_of_a_supervisor() {
        let (_, so, eao, dob, iao) = ids();
        let f = ChainFacts {
            is_external: true,
            eao: Some(eao),
            security_officer: Some(so),
            data_owner: Some(dob),
            iao: Some(iao),
            ..Default::default()
        };
        let r = resolve(&[LevelKind::Supervisor, LevelKind::DataOwner], &f).expect("resolves");
        assert_eq!(
            r[0],
            ResolvedLevel {
                kind: LevelKind::Eao,
                assignee: Assignee::Person(eao)
            }
        );
        assert_eq!(r[1].assignee, Assignee::Person(dob));
    }

    #[test]
    fn group_levels_go_to_the_group_and_missing_people_are_explained() {
        let g = Uuid::from_u128(9);
        let r = resolve(&[LevelKind::Group(g)], &ChainFacts::default()).expect("resolves");
        assert_eq!(r[0].assignee, Assignee::Group(g));
        let e = resolve(&[LevelKind::Supervisor], &ChainFacts::default()).expect_err("no supervisor");
        assert!(e.0.contains("no supervisor"));
        let e = resolve(
            &[LevelKind::Supervisor],
            &ChainFacts {
                is_external: true,
                ..Default::default()
            },
        )
        .expect_err("no EAO");
        assert!(e.0.contains("External Authorizing Official"));
        assert!(resolve(&[], &ChainFacts::default()).is_err());
    }
}
