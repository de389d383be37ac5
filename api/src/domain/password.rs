//! Password rules for a password used alone (NIST SP 800-63B rev. 4 §3.1.1.2): length
//! 15..=128 characters, no composition rules, and refused when it is a common or breached
//! password (or built from them), or contains the account's own identifiers. Reuse of the
//! last passwords is checked by the service, which holds the hashes.

use std::collections::HashSet;
use std::sync::LazyLock;

/// How many earlier passwords may not be used again.
pub const HISTORY_DEPTH: u64 = 10;

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../data/common-passwords.txt")
        .lines()
        .filter(|l| !l.is_empty())
        .collect()
});

/// Identifiers of the account a password is for.
#[derive(Debug, Clone, Default)]
pub struct PasswordContext<'a> {
    pub login: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
}

/// Which rule a password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    ContainsPersonalInfo,
    Reused,
}

impl PasswordProblem {
    /// A stable code for the field error.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::Common => "common_password",
            Self::ContainsPersonalInfo => "contains_personal_info",
            Self::Reused => "reused",
        }
    }

    /// The rule, in words for the user.
    pub fn message(self) -> &'static str {
        match self {
            Self::TooShort => "must be at least 15 characters",
            Self::TooLong => "must be at most 128 characters",
            Self::Common => "is a commonly used or breached password (or built from one); choose another",
            Self::ContainsPersonalInfo => "must not contain your User ID, name or email address",
            Self::Reused => "must not be one of your last 10 passwords",
        }
    }
}

fn is_common(p: &str) -> bool {
    COMMON.contains(p)
}

/// Whether `p` (lower-case) is one short unit repeated, e.g. `abcabcabcabcabc`.
fn is_repetition(p: &str) -> bool {
    let chars: Vec<char> = p.chars().collect();
    let n = chars.len();
    (1..=n / 2).any(|unit| n.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]))
}

/// Whether `p` (lower-case) is a run of consecutive characters, e.g. `abcdefghijklmnop`.
fn is_sequence(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() > 2
        && (b.windows(2).all(|w| w[1] == w[0].wrapping_add(1))
            || b.windows(2).all(|w| w[1] == w[0].wrapping_sub(1)))
}

fn built_from_common(p: &str) -> bool {
    if is_common(p) || is_repetition(p) || is_sequence(p) {
        return true;
    }
    // A common password followed by digits and symbols ("password12345678!").
    let stem = p.trim_end_matches(|c: char| !c.is_alphabetic());
    if stem.len() != p.len() && (stem.is_empty() || is_common(stem)) {
        return true;
    }
    // Two common passwords joined ("iloveyouiloveyou", "qwertyuiop123456").
    p.char_indices()
        .skip(1)
        .any(|(i, _)| is_common(&p[..i]) && (is_common(&p[i..]) || is_repetition(&p[i..])))
}

/// Checks a new password against every rule except reuse, returning the first broken one.
pub fn check(password: &str, ctx: &PasswordContext<'_>) -> Result<(), PasswordProblem> {
    let n = password.chars().count();
    if n < amps_openapi::rules::PASSWORD_MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if n > amps_openapi::rules::PASSWORD_MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if built_from_common(&lower) {
        return Err(PasswordProblem::Common);
    }
    let email = ctx.email.to_lowercase();
    let local = email.split('@').next().unwrap_or_default().to_string();
    let personal = [
        ctx.login.to_lowercase(),
        ctx.first_name.to_lowercase(),
        ctx.last_name.to_lowercase(),
        email.clone(),
        local,
    ];
    if personal
        .iter()
        .any(|item| item.chars().count() >= 3 && lower.contains(item.as_str()))
    {
        return Err(PasswordProblem::ContainsPersonalInfo);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PasswordContext<'static> {
        PasswordContext {
            login: "vendor1",
            first_name: "Vera",
            last_name: "Endor",
            email: "vera.endor@acme.example",
        }
    }

    #[test]
    fn accepts_a_long_unusual_passphrase_without_composition_rules() {
        assert_eq!(check("tangerine orbit cactus ledger", &ctx()), Ok(()));
        assert_eq!(check("zq8vfr31mxkd0pal", &ctx()), Ok(()));
    }

    #[test]
    fn refuses_short_and_overlong() {
        assert_eq!(check("short pass", &ctx()), Err(PasswordProblem::TooShort));
        assert_eq!(check(&"x7".repeat(65), &ctx()), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn refuses_common_passwords_and_ones_built_from_them() {
        for p in [
            "passwordpassword",
            "Password12345678!",
            "iloveyouiloveyou",
            "aaaaaaaaaaaaaaaa",
            "abcdefghijklmnop",
            "1234567890123456",
            "qwertyuiopasdfghjkl",
        ] {
            assert_eq!(check(p, &ctx()), Err(PasswordProblem::Common), "{p}");
        }
    }

    #[test]
    fn refuses_passwords_containing_the_users_identifiers() {
        for p in [
            "my vendor1 secret phrase",
            "VERA likes long passwords",
            "endor was my first pet!",
            "vera.endor@acme.example!!",
        ] {
            assert_eq!(
                check(p, &ctx()),
                Err(PasswordProblem::ContainsPersonalInfo),
                "{p}"
            );
        }
    }

    #[test]
    fn every_problem_has_a_message_and_code() {
        for p in [
            PasswordProblem::TooShort,
            PasswordProblem::TooLong,
            PasswordProblem::Common,
            PasswordProblem::ContainsPersonalInfo,
            PasswordProblem::Reused,
        ] {
            assert!(!p.message().is_empty());
            assert!(!p.code().is_empty());
        }
    }
}
