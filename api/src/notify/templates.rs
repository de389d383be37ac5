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

/// Sent to an address someone tried to register (or move an account to) that already belongs
/// to an account: the answer to the registration did not say so, this mail tells its owner.
pub fn address_in_use(forgot_link: &str, help_desk: &str) -> (String, String) {
    (
        "AMPS: your address was used to register".into(),
        format!(
            "Hello,\n\nSomeone asked for a new AMPS account with this email address, which already belongs to an AMPS account (or to a registration waiting for its email to be verified). No second account was made.\n\nIf it was you and you forgot your User ID, you can have it mailed to you:\n\n{forgot_link}\n\nIf it was not you, you need not do anything. Questions: {help_desk}.\n\n-- AMPS"
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

/// Sent to a person a user names as their new supervisor or EAO: they accept or decline, in
/// AMPS (`link` to the inbox) or, without an account, through the single-use `link`.
pub fn approver_change_asked(user: &str, user_login: &str, role: &str, link: &str) -> (String, String) {
    (
        format!("AMPS: {user} asks you to be their {role}"),
        format!(
            "Hello,\n\n{user} ({user_login}) named you as their {role} in AMPS. As their {role} you would approve their requests for access to applications.\n\nAccept or decline here:\n\n{link}\n\nUntil you accept, their current {role} stays. If you do not know this person, decline.\n\n-- AMPS"
        ),
    )
}

/// Sent to the supervisor a user is handed over to.
pub fn report_handed_over(by: &str, user: &str, user_login: &str, link: &str) -> (String, String) {
    (
        format!("AMPS: {by} hands {user} over to you"),
        format!(
            "Hello,\n\n{by} asks you to become the supervisor of {user} ({user_login}) in AMPS. As their supervisor you would approve their requests for access to applications and review the roles they hold.\n\nAccept or decline here:\n\n{link}\n\nUntil you accept, {by} stays their supervisor.\n\n-- AMPS"
        ),
    )
}

/// Sent to the supervisor who handed a user over, when the new supervisor answers.
pub fn handover_decided(name: &str, user: &str, who: &str, accepted: bool) -> (String, String) {
    let what = if accepted { "accepted" } else { "declined" };
    (
        format!("AMPS: {who} {what} to supervise {user}"),
        format!(
            "Hello {name},\n\n{who} {what} to become the supervisor of {user} in AMPS.{}\n\n-- AMPS",
            if accepted {
                " Their requests and open approvals now go to them."
            } else {
                " You stay their supervisor."
            }
        ),
    )
}

/// Sent to a user when the approver they asked for accepts or declines.
pub fn approver_change_decided(name: &str, role: &str, who: &str, accepted: bool) -> (String, String) {
    let what = if accepted { "accepted" } else { "declined" };
    (
        format!("AMPS: {who} {what} to be your {role}"),
        format!(
            "Hello {name},\n\n{who} {what} to be your {role} in AMPS.{}\n\n-- AMPS",
            if accepted {
                " Your requests now go to them."
            } else {
                " Your current approver stays; name someone else in My Information if you need to."
            }
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

/// Sent to each approver when a task opens (and as a reminder); an approver who acts through
/// an emailed link (an External Authorizing Official) also gets their single-use `decide` link.
#[expect(clippy::too_many_arguments, reason = "each is a fact the mail names")]
pub fn approval_needed(
    number: &str,
    role: &str,
    who: &str,
    level: &str,
    due: &str,
    link: &str,
    decide: Option<&str>,
    reminder: bool,
) -> (String, String) {
    let decide = decide
        .map(|l| {
            format!(
                "\n\nOr decide without signing in, with this single-use link (it expires with the task):\n\n{l}"
            )
        })
        .unwrap_or_default();
    (
        format!(
            "AMPS: {}{number} needs your approval",
            if reminder { "reminder: " } else { "" }
        ),
        format!(
            "{number}: {who} asks for the role {role}.\n\nYour approval is needed as {level} by {due}. Open your approvals:\n\n{link}\n\nIf no one acts by then, the request expires.{decide}\n\n-- AMPS"
        ),
    )
}

/// What happened to a SAAR, as its requester is told.
#[derive(Debug, Clone, Copy)]
pub enum SaarNews<'a> {
    /// Every level approved; `removal` for a removal request.
    Approved { removal: bool },
    /// A level rejected it for `reason`, with the approver's `comment`.
    Rejected {
        reason: amps_openapi::RejectReason,
        comment: Option<&'a str>,
    },
    /// A level asks for more information.
    Returned { comment: &'a str },
    /// No one acted as `level` by `due`.
    Expired { level: &'a str, due: &'a str },
    /// Provisioning is done; `removal` for a removal request.
    Provisioned { removal: bool },
    /// The subject's supervisor removes the role, for `reason`.
    RemovedBySupervisor { reason: &'a str },
    /// A renewal was approved: the role now ends on `until`.
    Renewed { until: &'a str },
    /// The role was not renewed and expired on `ended`; this SAAR removes it.
    RoleExpired { ended: &'a str },
    /// A returned request was not resubmitted by `due`.
    NotResubmitted { due: &'a str },
}

/// What the requester is told of `news`: (what happened, the details).
fn saar_news(news: SaarNews<'_>) -> (&'static str, String) {
    match news {
        SaarNews::Approved { removal: true } => (
            "was approved",
            "Your supervisor agreed. The role is being removed; we will tell you when it is done.".into(),
        ),
        SaarNews::Approved { removal: false } => (
            "was approved",
            "Every approver agreed. The role is being provisioned; we will tell you when it is granted."
                .into(),
        ),
        SaarNews::Rejected { reason, comment } => (
            "was rejected",
            format!(
                "It was rejected because {}.{}",
                reject_reason(reason),
                comment.map(|c| format!("\n\nComment: {c}")).unwrap_or_default()
            ),
        ),
        SaarNews::Returned { comment } => (
            "was returned to you",
            format!(
                "The approver needs more information:\n\n{comment}\n\nEdit the justification and resubmit it from Pending Requests."
            ),
        ),
        SaarNews::Expired { level, due } => (
            "expired",
            format!(
                "No one acted on it as {level} by its deadline ({due}). Submit a new request if you still need the role."
            ),
        ),
        SaarNews::Provisioned { removal: true } => (
            "is done: the role is removed",
            "The role no longer appears under Current Roles.".into(),
        ),
        SaarNews::Provisioned { removal: false } => (
            "is granted",
            "The role is provisioned and now appears under Current Roles in My Information.".into(),
        ),
        SaarNews::RemovedBySupervisor { reason } => (
            "was opened by your supervisor",
            format!("Your supervisor removes this role: {reason}"),
        ),
        SaarNews::Renewed { until } => (
            "was approved: the role is renewed",
            format!("The role stays under Current Roles and now expires on {until}."),
        ),
        SaarNews::RoleExpired { ended } => (
            "records that the role expired",
            format!(
                "The role was not renewed and expired on {ended}. It no longer appears under Current Roles and is being removed from the application. Request it again if you still need it."
            ),
        ),
        SaarNews::NotResubmitted { due } => (
            "expired",
            format!(
                "It was returned to you for more information and not resubmitted by {due}. Submit a new request if you still need the role."
            ),
        ),
    }
}

/// A rejection reason in the requester's words.
pub fn reject_reason(r: amps_openapi::RejectReason) -> &'static str {
    use amps_openapi::RejectReason as R;
    match r {
        R::ItLevelInsufficient => "your IT level is not sufficient for this role",
        R::NotNeeded => "the role is not needed or is the wrong role",
        R::SodConflict => "it conflicts with a role you hold (segregation of duties)",
        R::NeedsInformation => "more information is needed",
        R::Other => "see the approver's comment",
    }
}

/// Sent to the holder of a role that expires on `ends`: they may renew it until then.
/// `approver` names who decides a renewal ("your supervisor").
pub fn renewal_offer(name: &str, role: &str, ends: &str, approver: &str, link: &str) -> (String, String) {
    (
        format!("AMPS: your role {role} expires on {ends}"),
        format!(
            "Hello {name},\n\nYour role {role} expires on {ends}. If you still need it, ask for a renewal from Current Roles before then ({approver} approves it):\n\n{link}\n\nIf you do nothing, the role ends on {ends} and is removed from the application.\n\n-- AMPS"
        ),
    )
}

/// Sent to the requester (and the subject) when a SAAR changes state.
pub fn saar_update(number: &str, role: &str, news: SaarNews<'_>, link: &str) -> (String, String) {
    let (what, detail) = saar_news(news);
    (
        format!("AMPS: {number} {what}"),
        format!(
            "Your request {number} for the role {role} {what}.\n\n{detail}\n\nSee your requests: {link}\n\n-- AMPS"
        ),
    )
}
