//! What an approval must satisfy, decided from facts the caller gathers (the shape of
//! `chain::resolve`): the Security Officer level records an IT level that meets the role's
//! minimum, no other level records one, and a request that breaks a segregation-of-duties rule
//! is approved only with an exception reason. Refusals name the field and say what to do.

use super::it_level::ItLevel;
use chrono::{DateTime, NaiveDate, Utc};

/// What the rules need to know about an approval.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalFacts<'a> {
    /// Whether the task is the Security Officer level.
    pub security_officer: bool,
    /// The subject's name, for the refusal.
    pub subject: &'a str,
    /// The subject's IT level on file.
    pub subject_it_level: ItLevel,
    /// The role's minimum IT level.
    pub role_minimum: ItLevel,
    /// The IT level the approver records, if any.
    pub it_level_given: Option<ItLevel>,
    /// Whether the request carries a segregation-of-duties warning.
    pub breaks_sod: bool,
    /// Whether an earlier level already recorded an exception.
    pub exception_recorded: bool,
    /// The exception reason the approver gives, if any.
    pub exception_given: Option<&'a str>,
}

/// An approval the rules allow: what it records besides the decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    /// The subject's new IT level (Security Officer level only).
    pub it_level: Option<ItLevel>,
    /// The segregation-of-duties exception this approval grants.
    pub exception: Option<String>,
}

/// A decision the rules refuse: the field at fault, a stable code and the reason in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Whether an approval with facts `f` may be recorded, and what it records.
pub fn check_approval(f: &ApprovalFacts<'_>) -> Result<Approval, Refusal> {
    let it_level = if f.security_officer {
        let level = f.it_level_given.unwrap_or(f.subject_it_level);
        if !level.meets(f.role_minimum) {
            let (have, need) = (level.as_str(), f.role_minimum.as_str());
            return Err(Refusal {
                field: "it_level",
                code: "insufficient",
                message: format!(
                    "{}'s IT level ({have}) does not meet this role's minimum ({need}); record an IT level of at least {need} or reject the request.",
                    f.subject
                ),
            });
        }
        f.it_level_given
    } else if f.it_level_given.is_some() {
        return Err(Refusal {
            field: "it_level",
            code: "not_security_officer",
            message: "only the Security Officer level records the IT level".into(),
        });
    } else {
        None
    };
    let exception = match (f.breaks_sod, f.exception_recorded, f.exception_given) {
        (false, _, _) | (true, true, _) => None,
        (true, false, Some(reason)) => Some(reason.trim().to_string()),
        (true, false, None) => {
            return Err(Refusal {
                field: "sod_exception_reason",
                code: "required",
                message: "This request breaks a segregation-of-duties rule: approve only with an exception reason, or reject it.".into(),
            });
        }
    };
    Ok(Approval { it_level, exception })
}

/// Whether a rejection may be recorded: the reason "other" needs a comment.
pub fn check_rejection(reason_is_other: bool, comment: Option<&str>) -> Result<(), Refusal> {
    if reason_is_other && comment.is_none_or(|c| c.trim().is_empty()) {
        return Err(Refusal {
            field: "comment",
            code: "required",
            message: "is required when the reason is \"other\"".into(),
        });
    }
    Ok(())
}

/// The end of access an approver sets, `last_day` being the last day of access (it ends as the
/// next day begins, UTC): a day after `today` only; with an end an earlier level set
/// (`current`), the earlier of the two holds.
pub fn access_end(
    last_day: NaiveDate,
    today: NaiveDate,
    current: Option<DateTime<Utc>>,
) -> Result<DateTime<Utc>, Refusal> {
    if last_day <= today {
        return Err(Refusal {
            field: "access_ends_on",
            code: "not_future",
            message: format!("must be a day after today ({today})"),
        });
    }
    let end = last_day
        .succ_opt()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| Refusal {
            field: "access_ends_on",
            code: "out_of_range",
            message: "is not a day AMPS can keep".into(),
        })?;
    Ok(current.map_or(end, |c| c.min(end)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_access_end_is_a_future_day_and_the_earliest_holds() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).expect("date");
        let today = d(11, 30);
        assert_eq!(
            access_end(today, today, None).map_err(|r| r.code),
            Err("not_future")
        );
        let end = access_end(d(12, 31), today, None).expect("future");
        assert_eq!(
            end.date_naive(),
            NaiveDate::from_ymd_opt(2027, 1, 1).expect("date")
        );
        let earlier = access_end(d(12, 15), today, None).expect("future");
        assert_eq!(access_end(d(12, 31), today, Some(earlier)), Ok(earlier));
        assert_eq!(
            access_end(d(12, 10), today, Some(earlier)).map(|e| e < earlier),
            Ok(true)
        );
    }

    fn facts() -> ApprovalFacts<'static> {
        ApprovalFacts {
            security_officer: false,
            subject: "Jane Doe",
            subject_it_level: ItLevel::None,
            role_minimum: ItLevel::III,
            it_level_given: None,
            breaks_sod: false,
            exception_recorded: false,
            exception_given: None,
        }
    }

    #[test]
    fn the_security_officer_records_a_sufficient_it_level() {
        let so = ApprovalFacts {
            security_officer: true,
            ..facts()
        };
        let e = check_approval(&so).expect_err("none does not meet III");
        assert_eq!((e.field, e.code), ("it_level", "insufficient"));
        assert!(
            e.message.starts_with("Jane Doe's IT level (none)"),
            "{}",
            e.message
        );
        let given = ApprovalFacts {
            it_level_given: Some(ItLevel::II),
            ..so
        };
        assert_eq!(check_approval(&given).map(|a| a.it_level), Ok(Some(ItLevel::II)));
        let on_file = ApprovalFacts {
            subject_it_level: ItLevel::I,
            ..so
        };
        assert_eq!(check_approval(&on_file).map(|a| a.it_level), Ok(None));
    }

    #[test]
    fn other_levels_never_record_an_it_level() {
        let e = check_approval(&ApprovalFacts {
            it_level_given: Some(ItLevel::I),
            ..facts()
        })
        .expect_err("not the security officer");
        assert_eq!(e.code, "not_security_officer");
        assert_eq!(
            check_approval(&facts()),
            Ok(Approval {
                it_level: None,
                exception: None
            })
        );
    }

    #[test]
    fn a_sod_conflict_needs_an_exception_once() {
        let sod = ApprovalFacts {
            breaks_sod: true,
            ..facts()
        };
        assert_eq!(
            check_approval(&sod).expect_err("needs a reason").field,
            "sod_exception_reason"
        );
        let with = ApprovalFacts {
            exception_given: Some("  audit covers it "),
            ..sod
        };
        assert_eq!(
            check_approval(&with).map(|a| a.exception),
            Ok(Some("audit covers it".into()))
        );
        let recorded = ApprovalFacts {
            exception_recorded: true,
            ..sod
        };
        assert_eq!(check_approval(&recorded).map(|a| a.exception), Ok(None));
    }

    #[test]
    fn other_as_a_rejection_reason_needs_a_comment() {
        assert!(check_rejection(true, None).is_err());
        assert!(check_rejection(true, Some("  ")).is_err());
        assert!(check_rejection(true, Some("duplicate")).is_ok());
        assert!(check_rejection(false, None).is_ok());
    }
}
