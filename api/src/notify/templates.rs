//! The texts of AMPS email. Each function returns (subject, plain-text body).

/// Sent on registration: the verification link.
pub fn verify_email(name: &str, link: &str, hours: i64) -> (String, String) {
    (
        "AMPS: verify your email address".into(),
        format!(
            "Hello {name},\n\nTo finish creating your AMPS account, verify your email address by opening this link:\n\n{link}\n\nThe link works once and expires in {hours} hours. If you did not register, ignore this message.\n\n-- AMPS"
        ),
    )
}

/// Sent to a new address on an email change.
pub fn confirm_new_email(name: &str, link: &str, hours: i64) -> (String, String) {
    (
        "AMPS: confirm your new email address".into(),
        format!(
            "Hello {name},\n\nYou asked AMPS to use this address for your account. Confirm it by opening this link:\n\n{link}\n\nThe link works once and expires in {hours} hours. Until then your old address stays in use.\n\n-- AMPS"
        ),
    )
}

/// Sent to the old address once an email change is confirmed.
pub fn email_changed(name: &str, new_email: &str) -> (String, String) {
    (
        "AMPS: your email address was changed".into(),
        format!(
            "Hello {name},\n\nThe email address of your AMPS account is now {new_email}. If you did not make this change, contact the help desk at once.\n\n-- AMPS"
        ),
    )
}

/// Sent on "forgot password".
pub fn reset_password(name: &str, link: &str, minutes: i64) -> (String, String) {
    (
        "AMPS: reset your password".into(),
        format!(
            "Hello {name},\n\nSomeone (we hope you) asked to reset the password of your AMPS account. Choose a new password here:\n\n{link}\n\nThe link works once and expires in {minutes} minutes. If you did not ask, ignore this message: your password is unchanged.\n\n-- AMPS"
        ),
    )
}

/// Sent after a password change or reset.
pub fn password_changed(name: &str) -> (String, String) {
    (
        "AMPS: your password was changed".into(),
        format!(
            "Hello {name},\n\nThe password of your AMPS account was just changed. If you did not do this, contact the help desk at once.\n\n-- AMPS"
        ),
    )
}

/// Sent on "forgot User ID".
pub fn forgot_username(name: &str, logins: &[String], sign_in: &str) -> (String, String) {
    (
        "AMPS: your User ID".into(),
        format!(
            "Hello {name},\n\nThe AMPS User ID registered to this email address: {}\n\nSign in at {sign_in}\n\n-- AMPS",
            logins.join(", ")
        ),
    )
}

/// Sent to each approver when a task opens (and as a reminder).
pub fn approval_needed(
    number: &str,
    role: &str,
    who: &str,
    level: &str,
    due: &str,
    link: &str,
    reminder: bool,
) -> (String, String) {
    (
        format!(
            "AMPS: {}{number} needs your approval",
            if reminder { "reminder: " } else { "" }
        ),
        format!(
            "{number}: {who} asks for the role {role}.\n\nYour approval is needed as {level} by {due}. Open your approvals:\n\n{link}\n\nIf no one acts by then, the request expires.\n\n-- AMPS"
        ),
    )
}

/// Sent to the requester when a SAAR changes state.
pub fn saar_update(number: &str, role: &str, what: &str, detail: &str, link: &str) -> (String, String) {
    (
        format!("AMPS: {number} {what}"),
        format!(
            "Your request {number} for the role {role} {what}.\n\n{detail}\n\nSee your requests: {link}\n\n-- AMPS"
        ),
    )
}
