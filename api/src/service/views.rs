//! How the domain's states read on the wire: each domain enum maps to its contract enum by
//! one exhaustive match, so a state added to the domain does not compile until the contract
//! (and so the OpenAPI document and the SPA) names it too.

use crate::domain::saar as rules;
use crate::domain::task;

impl From<rules::SaarStatus> for amps_openapi::SaarStatus {
    fn from(s: rules::SaarStatus) -> Self {
        use rules::SaarStatus as S;
        match s {
            S::Pending => Self::Pending,
            S::Provisioning => Self::Provisioning,
            S::Completed => Self::Completed,
            S::Rejected => Self::Rejected,
            S::Returned => Self::Returned,
            S::Cancelled => Self::Cancelled,
            S::Expired => Self::Expired,
        }
    }
}

impl From<task::TaskStatus> for amps_openapi::TaskStatus {
    fn from(s: task::TaskStatus) -> Self {
        use task::TaskStatus as S;
        match s {
            S::Open => Self::Open,
            S::Approved => Self::Approved,
            S::Rejected => Self::Rejected,
            S::Returned => Self::Returned,
            S::Expired => Self::Expired,
            S::Cancelled => Self::Cancelled,
        }
    }
}

impl From<rules::RequestType> for amps_openapi::RequestType {
    fn from(t: rules::RequestType) -> Self {
        use rules::RequestType as T;
        match t {
            T::Initial => Self::Initial,
            T::Modification => Self::Modification,
            T::Deactivate => Self::Deactivate,
        }
    }
}

impl From<amps_openapi::RequestType> for rules::RequestType {
    fn from(t: amps_openapi::RequestType) -> Self {
        use amps_openapi::RequestType as T;
        match t {
            T::Initial => Self::Initial,
            T::Modification => Self::Modification,
            T::Deactivate => Self::Deactivate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_the_stored_names() {
        for s in rules::SaarStatus::ALL {
            let wire = serde_json::to_value(amps_openapi::SaarStatus::from(*s)).expect("serializes");
            assert_eq!(wire, s.as_str());
        }
        for s in task::TaskStatus::ALL {
            let wire = serde_json::to_value(amps_openapi::TaskStatus::from(*s)).expect("serializes");
            assert_eq!(wire, s.as_str());
        }
        for t in rules::RequestType::ALL {
            let wire = amps_openapi::RequestType::from(*t);
            assert_eq!(serde_json::to_value(wire).expect("serializes"), t.as_str());
            assert_eq!(rules::RequestType::from(wire), *t);
        }
    }
}
