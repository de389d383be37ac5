//! Field rules shared by the server and the SPA's forms, so both say the same thing.

use crate::model::FieldError;
use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

/// Shortest password AMPS accepts (NIST SP 800-63B rev. 4 asks 15 for a password used alone).
pub const PASSWORD_MIN_CHARS: usize = 15;
/// Longest password AMPS accepts (NIST asks that at least 64 be allowed).
pub const PASSWORD_MAX_CHARS: usize = 128;

fn error(code: &'static str, message: &'static str) -> ValidationError {
    let mut e = ValidationError::new(code);
    e.message = Some(message.into());
    e
}

/// A person's name or a free-text label: no control characters, not blank.
pub fn plain_text(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(error("blank", "must not be blank"));
    }
    if value.chars().any(char::is_control) {
        return Err(error("control_characters", "must not contain control characters"));
    }
    Ok(())
}

/// Free text (justifications, comments): printable, line breaks and tabs allowed.
pub fn free_text(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() {
        return Err(error("blank", "must not be blank"));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(error("control_characters", "must not contain control characters"));
    }
    Ok(())
}

/// An email address as the HTML standard defines a "valid email address" (the rule a browser
/// applies to `<input type=email>`): a local part of letters, digits and
/// ``.!#$%&'*+/=?^_`{|}~-``, an `@`, and dot-separated host labels of letters, digits and inner
/// dashes, each at most 63 characters. The server and the SPA share it, so a form never
/// accepts what the API refuses. (validator's `email` check is not used: it links `regex`
/// with its Unicode tables, which would be the larger part of the SPA's download.)
pub fn email(value: &str) -> Result<(), ValidationError> {
    const LOCAL: &str = ".!#$%&'*+/=?^_`{|}~-";
    let valid = value.split_once('@').is_some_and(|(local, host)| {
        !local.is_empty()
            && local
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || LOCAL.contains(c))
            && host.split('.').all(|label| {
                (1..=63).contains(&label.len())
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    });
    if valid {
        Ok(())
    } else {
        Err(error("email", "must be a valid email address"))
    }
}

/// A short code (organizations): upper-case letters, digits and dashes, starting with a letter.
pub fn code(value: &str) -> Result<(), ValidationError> {
    let first_ok = value.chars().next().is_some_and(|c| c.is_ascii_uppercase());
    if first_ok
        && value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')
    {
        Ok(())
    } else {
        Err(error(
            "code",
            "must be upper-case letters, digits or dashes, starting with a letter",
        ))
    }
}

/// Digits only (one-time codes).
pub fn digits(value: &str) -> Result<(), ValidationError> {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error("digits", "must be the digits your authenticator app shows"))
    }
}

/// A code we emailed: digits only.
pub fn emailed_code(value: &str) -> Result<(), ValidationError> {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error("digits", "must be the six digits we emailed you"))
    }
}

/// A User ID: 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter
/// or digit.
pub fn user_id(value: &str) -> Result<(), ValidationError> {
    let ok_len = (3..=64).contains(&value.chars().count());
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok_len && first_ok && rest_ok {
        Ok(())
    } else {
        Err(error(
            "user_id",
            "must be 3 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit",
        ))
    }
}

/// A telephone number: 7 to 32 characters of digits, spaces, `+`, `-`, `(`, `)`, `.`, `x`.
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | 'x'));
    if allowed && (7..=20).contains(&digits) && value.len() <= 32 {
        Ok(())
    } else {
        Err(error("phone", "must be a telephone number of 7 to 20 digits"))
    }
}

/// Length rule for a new password, counted in characters (Unicode scalar values).
pub fn password_length(value: &str) -> Result<(), ValidationError> {
    let n = value.chars().count();
    if n < PASSWORD_MIN_CHARS {
        Err(error("too_short", "must be at least 15 characters"))
    } else if n > PASSWORD_MAX_CHARS {
        Err(error("too_long", "must be at most 128 characters"))
    } else {
        Ok(())
    }
}

fn default_message(
    code: &str,
    params: &std::collections::HashMap<std::borrow::Cow<'static, str>, serde_json::Value>,
) -> String {
    match code {
        "email" => "must be a valid email address".into(),
        "length" => {
            // A list is counted in items, text in characters.
            let unit = if params.get("value").is_some_and(serde_json::Value::is_array) {
                "items"
            } else {
                "characters"
            };
            match (params.get("min"), params.get("max")) {
                (Some(min), Some(max)) => format!("must be {min} to {max} {unit}"),
                (Some(min), None) => format!("must be at least {min} {unit}"),
                (None, Some(max)) => format!("must be at most {max} {unit}"),
                _ => "has the wrong length".into(),
            }
        }
        "required" => "is required".into(),
        other => format!("is not valid ({other})"),
    }
}

/// Flattens validator errors into field errors (nested fields as `a.b`), sorted by field.
pub fn field_errors(e: &ValidationErrors) -> Vec<FieldError> {
    let mut out = Vec::new();
    collect(e, "", &mut out);
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

fn collect(e: &ValidationErrors, prefix: &str, out: &mut Vec<FieldError>) {
    for (name, kind) in e.errors() {
        let path = if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        };
        match kind {
            ValidationErrorsKind::Field(errs) => {
                for err in errs {
                    out.push(FieldError {
                        field: path.clone(),
                        code: err.code.to_string(),
                        message: err
                            .message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| default_message(&err.code, &err.params)),
                    });
                }
            }
            ValidationErrorsKind::Struct(inner) => collect(inner, &path, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect(inner, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_told_in_items_for_lists_and_characters_for_text() {
        #[derive(validator::Validate)]
        struct Form {
            #[validate(length(min = 1, max = 2))]
            roles: Vec<u8>,
            #[validate(length(min = 1, max = 3))]
            name: String,
        }
        let e = validator::Validate::validate(&Form {
            roles: vec![1, 2, 3],
            name: "long".into(),
        })
        .expect_err("both too long");
        let messages: Vec<(String, String)> = field_errors(&e)
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect();
        assert_eq!(
            messages,
            [
                ("name".to_string(), "must be 1 to 3 characters".to_string()),
                ("roles".to_string(), "must be 1 to 2 items".to_string())
            ]
        );
    }

    #[test]
    fn email_follows_the_html_rule() {
        for ok in [
            "erin.authorizer@dla.example",
            "first+tag@sub.acme-corp.example",
            "o'brien@acme.example",
            "admin@localhost",
        ] {
            assert!(email(ok).is_ok(), "{ok} should be accepted");
        }
        for bad in [
            "not-an-email",
            "@acme.example",
            "jdoe@",
            "jdoe@@acme.example",
            "j doe@acme.example",
            "jdoe@acme..example",
            "jdoe@-acme.example",
            "jdoe@acme-.example",
            "jdoe@acme.example.",
            "jdoe@acme_corp.example",
            "jdoe@ac me.example",
            "jdoe@acme.example\n",
            "jdøe@acme.example",
        ] {
            assert!(email(bad).is_err(), "{bad} should be refused");
        }
        let long_label = format!("jdoe@{}.example", "a".repeat(64));
        assert!(email(&long_label).is_err());
    }

    #[test]
    fn user_id_accepts_ordinary_logins_and_refuses_others() {
        assert!(user_id("jdoe").is_ok());
        assert!(user_id("j.doe-2_x").is_ok());
        assert!(user_id("jd").is_err());
        assert!(user_id(".jdoe").is_err());
        assert!(user_id("j doe").is_err());
        assert!(user_id(&"a".repeat(65)).is_err());
    }

    #[test]
    fn plain_text_refuses_control_characters_and_blanks() {
        assert!(plain_text("Mary-Jane O'Neil").is_ok());
        assert!(plain_text("Bob\u{0007}").is_err());
        assert!(plain_text("line\nbreak").is_err());
        assert!(plain_text("   ").is_err());
    }

    #[test]
    fn password_length_counts_characters_not_bytes() {
        assert!(password_length(&"é".repeat(15)).is_ok());
        assert!(password_length(&"a".repeat(14)).is_err());
        assert!(password_length(&"a".repeat(128)).is_ok());
        assert!(password_length(&"a".repeat(129)).is_err());
    }

    #[test]
    fn phone_needs_enough_digits() {
        assert!(phone("+1 (703) 555-0100").is_ok());
        assert!(phone("12345").is_err());
        assert!(phone("call me").is_err());
    }
}
