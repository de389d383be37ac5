//! My Reports: what holders of the Reports role (internal users only: an external user never
//! reads them, whatever roles they hold) see of the workflow: pending requests by level and
//! age, approver workload, who holds which roles, and accounts by status and organization.
//! Each takes the filters that fit it and answers pages of rows (list reports page by a key;
//! summaries are one page), or CSV read a page at a time: an export never holds the server's
//! memory or a database cursor, and a client that stops reading stops the reads.

use super::principal::UserPrincipal;
use super::{Ctx, Error, Result, field};
use crate::domain::permission::Permission;
use crate::store;
use crate::store::reports::Filter;
use amps_openapi::{ReportColumn, ReportInfo, ReportQuery, ReportResponse};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use uuid::Uuid;

/// Rows per page when none is asked for.
const DEFAULT_PAGE: u64 = 100;

/// The reports there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    PendingSaars,
    ApproverWorkload,
    RoleHolders,
    Accounts,
    TimeToAccess,
    SodConflicts,
    RevalidationProgress,
    ProvisioningBacklog,
}

impl Report {
    pub const ALL: [Report; 8] = [
        Report::PendingSaars,
        Report::ApproverWorkload,
        Report::RoleHolders,
        Report::TimeToAccess,
        Report::SodConflicts,
        Report::RevalidationProgress,
        Report::Accounts,
        Report::ProvisioningBacklog,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::PendingSaars => "pending-saars",
            Self::ApproverWorkload => "approver-workload",
            Self::RoleHolders => "role-holders",
            Self::Accounts => "accounts",
            Self::TimeToAccess => "time-to-access",
            Self::SodConflicts => "sod-conflicts",
            Self::RevalidationProgress => "revalidation-progress",
            Self::ProvisioningBacklog => "provisioning-backlog",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::PendingSaars => "Pending requests by level and age",
            Self::ApproverWorkload => "Approver workload and overdue tasks",
            Self::RoleHolders => "Holders of roles",
            Self::Accounts => "Accounts by status and organization",
            Self::TimeToAccess => "Time from request to usable access",
            Self::SodConflicts => "Segregation-of-duties conflicts",
            Self::RevalidationProgress => "Revalidation progress",
            Self::ProvisioningBacklog => "Provisioning backlog",
        }
    }

    fn description(self) -> &'static str {
        match self {
            Self::PendingSaars => {
                "Every open approval step: the request, its role and application, the subject's organization, the level it waits at and for how many days. Filters: organization, application, submitted from/to."
            }
            Self::ApproverWorkload => {
                "Each approver's open tasks and how many are past due, and each approval group's (any member may take its tasks). Filters: the approver's organization (groups belong to none, so they are left out), application, opened from/to."
            }
            Self::RoleHolders => {
                "Who holds which roles now, since when and until when. Filters: the holder's organization, application, granted from/to."
            }
            Self::Accounts => {
                "How many accounts each organization has in each status. Filters: organization, created from/to."
            }
            Self::TimeToAccess => {
                "Business days from submission to confirmed access (p50 and p90) per application, and from a step's opening to its decision per approval level. Filters: organization, application, completed from/to."
            }
            Self::SodConflicts => {
                "People who hold two roles that one segregation-of-duties rule keeps apart. Filters: organization, application."
            }
            Self::RevalidationProgress => {
                "Reviews of each revalidation campaign by where they stand. Filters: organization, application, opened from/to."
            }
            Self::ProvisioningBacklog => {
                "Every provisioning task still open, with how long it has waited. Filters: organization, application, opened from/to."
            }
        }
    }

    fn columns(self) -> Vec<ReportColumn> {
        let c = |key: &str, label: &str, kind: &str| ReportColumn {
            key: key.into(),
            label: label.into(),
            kind: kind.into(),
        };
        match self {
            Self::PendingSaars => vec![
                c("number", "Request", "text"),
                c("role", "Role", "text"),
                c("application", "Application", "text"),
                c("organization", "Organization", "text"),
                c("level", "Level", "number"),
                c("kind", "Waiting on", "text"),
                c("waiting_since", "Waiting since", "time"),
                c("age_days", "Days waiting", "number"),
                c("submitted_at", "Submitted", "time"),
            ],
            Self::ApproverWorkload => vec![
                c("user_id", "User ID", "text"),
                c("name", "Approver", "text"),
                c("kind", "Approver is", "text"),
                c("open", "Open tasks", "number"),
                c("overdue", "Overdue", "number"),
            ],
            Self::RoleHolders => vec![
                c("user_id", "User ID", "text"),
                c("name", "Name", "text"),
                c("organization", "Organization", "text"),
                c("application", "Application", "text"),
                c("role", "Role", "text"),
                c("environment", "Environment", "text"),
                c("since", "Since", "time"),
                c("expires_at", "Ends", "time"),
            ],
            Self::Accounts => vec![
                c("organization", "Organization", "text"),
                c("status", "Status", "text"),
                c("accounts", "Accounts", "number"),
            ],
            Self::TimeToAccess => vec![
                c("measure", "Measured", "text"),
                c("of", "Of", "text"),
                c("count", "Completed", "number"),
                c("p50_business_days", "Median (business days)", "number"),
                c("p90_business_days", "90th percentile (business days)", "number"),
            ],
            Self::SodConflicts => vec![
                c("user_id", "User ID", "text"),
                c("name", "Name", "text"),
                c("organization", "Organization", "text"),
                c("rule", "Rule", "text"),
                c("role", "Role", "text"),
                c("other_role", "And role", "text"),
            ],
            Self::RevalidationProgress => vec![
                c("campaign", "Campaign", "text"),
                c("status", "Status", "text"),
                c("reviews", "Reviews", "number"),
            ],
            Self::ProvisioningBacklog => vec![
                c("number", "Request", "text"),
                c("application", "Application", "text"),
                c("role", "Role", "text"),
                c("user_id", "User ID", "text"),
                c("name", "Name", "text"),
                c("organization", "Organization", "text"),
                c("kind", "Kind", "text"),
                c("mode", "Mode", "text"),
                c("since", "Waiting since", "time"),
                c("age_days", "Days waiting", "number"),
                c("attempts", "Attempts", "number"),
            ],
        }
    }
}

fn by_name(name: &str) -> Result<Report> {
    Report::ALL
        .into_iter()
        .find(|r| r.name() == name)
        .ok_or_else(|| Error::NotFound("No such report.".into()))
}

/// Holders of the Reports role who are internal users; everyone else is refused.
fn may_read(p: &UserPrincipal) -> Result<()> {
    p.require(Permission::ReadReports)?;
    if p.org.is_external {
        return Err(Error::Forbidden(Permission::ReadReports.refusal().into()));
    }
    Ok(())
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The reports the caller may read.
pub fn list(p: &UserPrincipal) -> Result<Vec<ReportInfo>> {
    may_read(p)?;
    Ok(Report::ALL
        .into_iter()
        .map(|r| ReportInfo {
            name: r.name().into(),
            title: r.title().into(),
            description: r.description().into(),
        })
        .collect())
}

/// The filters of `q`, with codes turned into ids; an unknown code or an empty period is 422.
async fn filter_of(ctx: &Ctx, q: &ReportQuery) -> Result<Filter> {
    if let (Some(from), Some(to)) = (q.from, q.to)
        && to <= from
    {
        return Err(Error::Validation(field(
            "to",
            "before_start",
            "must be after from",
        )));
    }
    let organization = match q.organization.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => Some(
            store::accounts::organization_by_code(&ctx.read, code)
                .await?
                .ok_or_else(|| {
                    Error::Validation(field("organization", "unknown", "is not an organization's code"))
                })?
                .id,
        ),
    };
    let application = match q.application.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(code) => Some(
            store::catalog_admin::application_by_code(&ctx.read, code)
                .await?
                .ok_or_else(|| {
                    Error::Validation(field("application", "unknown", "is not an application's code"))
                })?
                .id,
        ),
    };
    Ok(Filter {
        organization,
        application,
        from: q.from,
        to: q.to,
    })
}

fn cursor_of(q: &ReportQuery) -> Result<Option<Uuid>> {
    match q.cursor.as_deref() {
        None => Ok(None),
        Some(c) => c.parse::<Uuid>().map(Some).map_err(|_| {
            Error::Validation(field("cursor", "invalid", "is not a next_cursor of this report"))
        }),
    }
}

/// A page of `report`'s rows after `after`, and the key of its last row when more may follow.
async fn page(
    read: &sea_orm::DatabaseConnection,
    report: Report,
    f: &Filter,
    after: Option<Uuid>,
    limit: u64,
    now: DateTime<Utc>,
) -> Result<(Vec<Vec<String>>, Option<Uuid>)> {
    let full = |n: usize| n as u64 == limit;
    Ok(match report {
        Report::PendingSaars => {
            let rows = store::reports::pending(read, f, after, limit).await?;
            let last = rows.last().map(|r| r.task_id).filter(|_| full(rows.len()));
            let rows = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.number,
                        r.role,
                        r.application,
                        r.organization,
                        r.level.to_string(),
                        r.kind.replace('_', " "),
                        time(&r.waiting_since),
                        (now - r.waiting_since).num_days().max(0).to_string(),
                        time(&r.submitted_at),
                    ]
                })
                .collect();
            (rows, last)
        }
        Report::RoleHolders => {
            let rows = store::reports::holders(read, f, after, limit).await?;
            let last = rows.last().map(|r| r.assignment_id).filter(|_| full(rows.len()));
            let rows = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.login,
                        format!("{} {}", r.first_name, r.last_name),
                        r.organization,
                        r.application,
                        r.role,
                        r.environment,
                        time(&r.since),
                        r.expires_at.as_ref().map(time).unwrap_or_default(),
                    ]
                })
                .collect();
            (rows, last)
        }
        // Summaries: one page whatever the limit.
        Report::ApproverWorkload => {
            let mut rows: Vec<(String, String, &str, i64, i64)> = store::reports::workload(read, f, now)
                .await?
                .into_iter()
                .map(|(login, first, last, open, overdue)| {
                    (login, format!("{first} {last}"), "person", open, overdue)
                })
                .collect();
            if f.organization.is_none() {
                rows.extend(
                    store::reports::group_workload(read, f, now)
                        .await?
                        .into_iter()
                        .map(|(name, open, overdue)| (String::new(), name, "approval group", open, overdue)),
                );
            }
            // Most open first, then by name, people and groups together.
            rows.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.1.cmp(&b.1)));
            let rows = rows
                .into_iter()
                .map(|(login, name, kind, open, overdue)| {
                    vec![
                        login,
                        name,
                        kind.to_string(),
                        open.to_string(),
                        overdue.to_string(),
                    ]
                })
                .collect();
            (rows, None)
        }
        Report::Accounts => (
            store::reports::accounts(read, f)
                .await?
                .into_iter()
                .map(|(org, status, n)| vec![org, status.as_str().replace('_', " "), n.to_string()])
                .collect(),
            None,
        ),
        Report::ProvisioningBacklog => {
            let rows = store::reports::backlog(read, f, after, limit).await?;
            let last = rows.last().map(|r| r.task_id).filter(|_| full(rows.len()));
            let rows = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.number,
                        r.application,
                        r.role,
                        r.login,
                        format!("{} {}", r.first_name, r.last_name),
                        r.organization,
                        r.kind,
                        r.mode,
                        time(&r.since),
                        (now - r.since).num_days().max(0).to_string(),
                        r.attempts.to_string(),
                    ]
                })
                .collect();
            (rows, last)
        }
        Report::TimeToAccess => {
            let mut rows = Vec::new();
            for (measure, by) in [
                ("application", durations(read, f, Spans::Access).await?),
                ("approval level", durations(read, f, Spans::Decisions).await?),
            ] {
                for (of, days) in by {
                    rows.push(vec![
                        measure.to_string(),
                        of,
                        days.values().sum::<u64>().to_string(),
                        percentile(&days, 50).to_string(),
                        percentile(&days, 90).to_string(),
                    ]);
                }
            }
            (rows, None)
        }
        Report::SodConflicts => (
            store::reports::sod_conflicts(read, f)
                .await?
                .into_iter()
                .map(|[login, first, last, org, rule, role, other]| {
                    vec![login, format!("{first} {last}"), org, rule, role, other]
                })
                .collect(),
            None,
        ),
        Report::RevalidationProgress => (
            store::reports::revalidation_progress(read, f)
                .await?
                .into_iter()
                .map(|(campaign, status, n)| vec![campaign, status, n.to_string()])
                .collect(),
            None,
        ),
    })
}

/// Whole business days (Monday to Friday) from `start` to `end`: the weekdays after the day
/// of `start` up to and including the day of `end` (0 on the same day).
pub fn business_days(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    use chrono::Datelike;
    let (mut day, last) = (start.date_naive(), end.date_naive());
    let mut n = 0;
    while day < last {
        day = day.succ_opt().unwrap_or(last);
        if day.weekday().number_from_monday() <= 5 {
            n += 1;
        }
    }
    n
}

/// How many of a set took each number of business days.
type Histogram = std::collections::BTreeMap<i64, u64>;

#[derive(Clone, Copy)]
enum Spans {
    /// From submission to confirmed access, per application.
    Access,
    /// From a step's opening to its decision, per kind of level.
    Decisions,
}

/// The business days each span took, counted per application or level. Read a page at a
/// time and kept as counts per number of days, so a million grants take a few kilobytes.
async fn durations(
    read: &sea_orm::DatabaseConnection,
    f: &Filter,
    spans: Spans,
) -> Result<std::collections::BTreeMap<String, Histogram>> {
    const PAGE: u64 = 5_000;
    let mut by: std::collections::BTreeMap<String, Histogram> = Default::default();
    let mut after = None;
    loop {
        let page = match spans {
            Spans::Access => store::reports::access_times(read, f, after, PAGE).await?,
            Spans::Decisions => store::reports::decision_times(read, f, after, PAGE).await?,
        };
        after = page.last().map(|(id, ..)| *id);
        let full = page.len() as u64 == PAGE;
        for (_, of, start, end) in page {
            let of = of.replace('_', " ");
            let days = business_days(start, end);
            match by.get_mut(&of) {
                Some(h) => *h.entry(days).or_default() += 1,
                None => {
                    by.insert(of, Histogram::from([(days, 1)]));
                }
            }
        }
        if !full {
            return Ok(by);
        }
    }
}

/// The `p`th percentile of the counted values (nearest rank; 0 when there are none).
fn percentile(counts: &Histogram, p: u64) -> i64 {
    let n: u64 = counts.values().sum();
    if n == 0 {
        return 0;
    }
    let rank = (p * n).div_ceil(100).max(1);
    let mut seen = 0;
    for (value, count) in counts {
        seen += count;
        if seen >= rank {
            return *value;
        }
    }
    0
}

/// A page of report `name`.
pub async fn read(ctx: &Ctx, p: &UserPrincipal, name: &str, q: &ReportQuery) -> Result<ReportResponse> {
    may_read(p)?;
    let report = by_name(name)?;
    let f = filter_of(ctx, q).await?;
    let after = cursor_of(q)?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    let (rows, last) = page(&ctx.read, report, &f, after, limit, ctx.clock.now()).await?;
    Ok(ReportResponse {
        name: report.name().into(),
        title: report.title().into(),
        columns: report.columns(),
        rows,
        next_cursor: last.map(|id| id.to_string()),
    })
}

/// Every row of report `name` as CSV (a header of the column labels first), read a page at a
/// time as the client takes it.
pub async fn export(
    ctx: &Ctx,
    p: &UserPrincipal,
    name: &str,
    q: &ReportQuery,
) -> Result<(&'static str, impl Stream<Item = Result<Bytes>> + 'static)> {
    may_read(p)?;
    let report = by_name(name)?;
    let f = filter_of(ctx, q).await?;
    let (read, clock) = (ctx.read.clone(), ctx.clock.clone());
    let header = report.columns().into_iter().map(|c| c.label).collect();
    let rows = super::export::pages(header, move |after: Option<Uuid>| {
        let (read, f, now) = (read.clone(), f.clone(), clock.now());
        async move { page(&read, report, &f, after, super::export::PAGE, now).await }
    });
    Ok((report.name(), rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn business_days_skip_weekends() {
        let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).single().expect("time");
        // Friday 27 November 2026 to Monday 30 November: one business day.
        assert_eq!(business_days(at(27, 9), at(30, 9)), 1);
        assert_eq!(business_days(at(27, 9), at(27, 17)), 0);
        // Monday 23 to Monday 30: five.
        assert_eq!(business_days(at(23, 9), at(30, 8)), 5);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let counted = |values: &[i64]| {
            let mut h = Histogram::new();
            for v in values {
                *h.entry(*v).or_default() += 1;
            }
            h
        };
        assert_eq!(percentile(&counted(&[]), 50), 0);
        assert_eq!(percentile(&counted(&[3]), 90), 3);
        assert_eq!(percentile(&counted(&[1, 2, 3, 4]), 50), 2);
        assert_eq!(percentile(&counted(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 90), 9);
        assert_eq!(percentile(&counted(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 7]), 90), 1);
        assert_eq!(percentile(&counted(&[0, 0, 5, 5]), 90), 5);
    }
}
