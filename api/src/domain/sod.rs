//! Segregation of duties: a rule is a set of roles no one may hold two of at once.

use std::collections::HashSet;
use uuid::Uuid;

/// A conflict rule.
#[derive(Debug, Clone)]
pub struct SodRule {
    pub id: Uuid,
    pub name: String,
    pub roles: HashSet<Uuid>,
}

/// The rules broken if someone holding (or waiting for) `have` also gets `role`.
pub fn conflicts<'a>(rules: &'a [SodRule], have: &HashSet<Uuid>, role: Uuid) -> Vec<&'a SodRule> {
    rules
        .iter()
        .filter(|r| r.roles.contains(&role) && r.roles.iter().any(|x| *x != role && have.contains(x)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_broken_by_holding_another_role_of_its_set() {
        let (a, b, c, d) = (
            Uuid::from_u128(1),
            Uuid::from_u128(2),
            Uuid::from_u128(3),
            Uuid::from_u128(4),
        );
        let rules = vec![
            SodRule {
                id: Uuid::from_u128(10),
                name: "requester vs approver".into(),
                roles: [a, b].into(),
            },
            SodRule {
                id: Uuid::from_u128(11),
                name: "payments".into(),
                roles: [b, c, d].into(),
            },
        ];
        assert_eq!(conflicts(&rules, &[a].into(), b).len(), 1);
        assert_eq!(conflicts(&rules, &[a, c].into(), b).len(), 2);
        assert!(conflicts(&rules, &[d].into(), a).is_empty());
        assert!(
            conflicts(&rules, &[b].into(), b).is_empty(),
            "holding the same role is not a conflict"
        );
    }
}
