//! Concurrency as a property: proptest generates runs of rounds, each round a handful of
//! workflow actions sent to the server at once (submit, approve, reject, return, resubmit,
//! cancel, provision, ask to remove a held role, and the supervisor naming or ending a deputy
//! who then decides too). Whatever the interleaving, after every run (and the deadlines job's
//! rounds) the database holds: at most one active assignment per user and role; no open task on
//! a SAAR that is not pending, and one open task on each pending one; each SAAR's transitions
//! audited exactly once (one submission, one approval if it was approved, one rejection or
//! cancellation if it ended so, one return per resubmission plus one if the last still stands);
//! and a mail to the requester for each rejection and return. An action the server refuses
//! (409, 404, 422) is a possible outcome of a race; a 5xx never is.

use crate::both_dbs;
use crate::helpers::*;
use amps::store::entities::{approval_task, audit_event, role_assignment, saar};
use amps_openapi::*;
use chrono::Duration;
use futures_util::future::join_all;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestRunner};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use uuid::Uuid;

both_dbs!(
    random_interleavings_of_the_workflow_keep_its_invariants,
    two_administrators_disabling_each_other_at_once_leave_one_standing
);

/// Two administrators disable each other at the same moment, round after round: one wins,
/// the other is refused (its own account is no longer active) and changes nothing, so the
/// system never loses both.
async fn two_administrators_disabling_each_other_at_once_leave_one_standing(db: Db) {
    use amps::domain::permission::AdminRole;
    let app = seeded(db).await;
    app.active_user("aadmin2").await;
    grant_admin_role(&app, "aadmin2", AdminRole::Administrator).await;
    app.settle_principals().await;
    for round in 0..6 {
        let a = as_user(&app, "aadmin").await;
        let b = signed_in_as(&app, "aadmin2", PASSWORD).await;
        let (id_a, id_b) = (a.me().await.expect("me").id, b.me().await.expect("me").id);
        let disable = SetUserStatusRequest {
            status: SettableStatus::Disabled,
            reason: "Left the agency.".into(),
        };
        let (ra, rb) = tokio::join!(
            a.set_user_status(id_b, &disable),
            b.set_user_status(id_a, &disable)
        );
        let statuses = [status_of(&app, "aadmin").await, status_of(&app, "aadmin2").await];
        let disabled = statuses.iter().filter(|s| *s == "disabled").count();
        assert_eq!(disabled, 1, "round {round}: {statuses:?} ({ra:?}, {rb:?})");
        // The second is refused: 403 (its account was disabled while it asked) or 401 (before
        // it asked, its sign-in ended).
        let loser = if ra.is_ok() { &rb } else { &ra };
        let refused = loser.as_ref().err().and_then(|e| e.status());
        assert!(matches!(refused, Some(401 | 403)), "round {round}: {refused:?}");
        // Put both back for the next round.
        for login in ["aadmin", "aadmin2"] {
            reactivate(&app, login).await;
        }
    }
}

async fn status_of(app: &TestApp, login: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    amps::store::entities::user::Entity::find()
        .filter(amps::store::entities::user::Column::Login.eq(login))
        .one(&app.ctx.db)
        .await
        .expect("read")
        .expect("the account")
        .status
        .as_str()
        .to_string()
}

/// As an operator would with SQL: the account active again.
async fn reactivate(app: &TestApp, login: &str) {
    use amps::store::entities::user;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
    user::Entity::update_many()
        .col_expr(user::Column::Status, Expr::value("active"))
        .filter(user::Column::Login.eq(login))
        .exec(&app.ctx.db)
        .await
        .expect("reactivate");
}

/// Generated runs per database, and roles the requester may ask for.
const RUNS: u32 = 6;
const ROLES: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Submit {
        role: usize,
    },
    /// The supervisor (or, with `deputy`, the deputy) decides the `pick`-th task they see.
    Approve {
        pick: usize,
        deputy: bool,
    },
    Reject {
        pick: usize,
        deputy: bool,
    },
    Return {
        pick: usize,
        deputy: bool,
    },
    /// The requester resubmits or cancels the `pick`-th of their SAARs.
    Resubmit {
        pick: usize,
    },
    Cancel {
        pick: usize,
    },
    /// The provisioner completes the `pick`-th task in their queue.
    Provision {
        pick: usize,
    },
    /// The requester asks to remove the `pick`-th role they hold.
    Remove {
        pick: usize,
    },
    Deputy {
        on: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let pick = 0..8usize;
    prop_oneof![
        3 => (0..ROLES).prop_map(|role| Op::Submit { role }),
        3 => (pick.clone(), any::<bool>()).prop_map(|(pick, deputy)| Op::Approve { pick, deputy }),
        1 => (pick.clone(), any::<bool>()).prop_map(|(pick, deputy)| Op::Reject { pick, deputy }),
        1 => (pick.clone(), any::<bool>()).prop_map(|(pick, deputy)| Op::Return { pick, deputy }),
        1 => pick.clone().prop_map(|pick| Op::Resubmit { pick }),
        1 => pick.clone().prop_map(|pick| Op::Cancel { pick }),
        2 => pick.clone().prop_map(|pick| Op::Provision { pick }),
        1 => pick.prop_map(|pick| Op::Remove { pick }),
        1 => any::<bool>().prop_map(|on| Op::Deputy { on }),
    ]
}

/// A run: 4 to 8 rounds of 1 to 4 actions at once.
fn run() -> impl Strategy<Value = Vec<Vec<Op>>> {
    proptest::collection::vec(proptest::collection::vec(op(), 1..5), 4..9)
}

struct People {
    requester: Client,
    supervisor: Client,
    deputy: Client,
    provisioner: Client,
}

fn nth<T: Clone>(items: &[T], pick: usize) -> Option<T> {
    (!items.is_empty()).then(|| items[pick % items.len()].clone())
}

/// Sends `op`: whether the server carried it out (`false`: nothing to act on, or a 4xx
/// refusal a race may cause); a 5xx is an error.
async fn act(app: &TestApp, p: &People, roles: &[Uuid], op: &Op) -> Result<bool, String> {
    let answered = |r: Result<(), ClientError>| match r {
        Ok(()) => Ok(true),
        Err(e) if e.status().is_some_and(|s| (400..500).contains(&s)) => Ok(false),
        Err(e) => Err(format!("{op:?}: {e}")),
    };
    let inbox = |deputy: bool| async move {
        let who = if deputy { &p.deputy } else { &p.supervisor };
        who.approvals().await.map_err(|e| format!("{op:?}: inbox: {e}"))
    };
    let mine = || async {
        let r = p
            .requester
            .my_requests()
            .await
            .map_err(|e| format!("{op:?}: my requests: {e}"))?;
        Ok::<_, String>(r.pending.into_iter().chain(r.history).collect::<Vec<_>>())
    };
    match op {
        Op::Submit { role } => answered(
            p.requester
                .submit_saars(&submission(vec![roles[*role]], app))
                .await
                .map(drop),
        ),
        Op::Approve { pick, deputy } | Op::Reject { pick, deputy } | Op::Return { pick, deputy } => {
            let Some(t) = nth(&inbox(*deputy).await?, *pick) else {
                return Ok(false);
            };
            let who = if *deputy { &p.deputy } else { &p.supervisor };
            let r = match op {
                Op::Approve { .. } => who.approve(t.id, &ApproveRequest::default()).await,
                Op::Reject { .. } => {
                    who.reject(
                        t.id,
                        &RejectRequest {
                            reason: RejectReason::NotNeeded,
                            comment: None,
                        },
                    )
                    .await
                }
                _ => {
                    who.return_to_requester(
                        t.id,
                        &ReturnRequest {
                            comment: "Say which records you need.".into(),
                        },
                    )
                    .await
                }
            };
            answered(r.map(drop))
        }
        Op::Resubmit { pick } => {
            let returned: Vec<_> = mine()
                .await?
                .into_iter()
                .filter(|s| s.status == SaarStatus::Returned)
                .collect();
            let Some(s) = nth(&returned, *pick) else {
                return Ok(false);
            };
            answered(
                p.requester
                    .resubmit_saar(
                        s.id,
                        &ResubmitSaarRequest {
                            justification: format!("{JUSTIFICATION} The records are the shipments of 2026."),
                        },
                    )
                    .await
                    .map(drop),
            )
        }
        Op::Cancel { pick } => {
            let open: Vec<_> = mine()
                .await?
                .into_iter()
                .filter(|s| matches!(s.status, SaarStatus::Pending | SaarStatus::Returned))
                .collect();
            let Some(s) = nth(&open, *pick) else {
                return Ok(false);
            };
            answered(p.requester.cancel_saar(s.id).await.map(drop))
        }
        Op::Provision { pick } => {
            let queue = p
                .provisioner
                .provisioning_tasks()
                .await
                .map_err(|e| format!("{op:?}: queue: {e}"))?;
            let Some(t) = nth(&queue, *pick) else {
                return Ok(false);
            };
            answered(
                p.provisioner
                    .complete_provisioning(t.id, &CompleteProvisioningRequest { note: None })
                    .await
                    .map(drop),
            )
        }
        Op::Remove { pick } => {
            let held: Vec<_> = p
                .requester
                .my_roles()
                .await
                .map_err(|e| format!("{op:?}: my roles: {e}"))?
                .into_iter()
                .filter(|r| roles.contains(&r.role.id))
                .collect();
            let Some(r) = nth(&held, *pick) else {
                return Ok(false);
            };
            answered(
                p.requester
                    .request_role_removal(
                        r.assignment_id,
                        &RemovalRequest {
                            reason: "The shipments moved to another office.".into(),
                        },
                    )
                    .await
                    .map(drop),
            )
        }
        Op::Deputy { on: true } => answered(
            p.supervisor
                .set_deputy(&SetDeputyRequest {
                    deputy: "iiao".into(),
                    starts_at: app.now(),
                    ends_at: app.now() + Duration::days(2),
                })
                .await
                .map(drop),
        ),
        Op::Deputy { on: false } => answered(p.supervisor.clear_deputy().await),
    }
}

/// What the database must hold after any run; the broken invariants, described.
async fn broken(app: &TestApp, roles: &[Uuid]) -> Vec<String> {
    use amps::domain::assignment::AssignmentStatus;
    use amps::domain::saar::{RequestType, SaarStatus as S};
    use amps::domain::task::TaskStatus;
    let db = &app.ctx.db;
    let mut out = Vec::new();
    let mut active: HashMap<(Uuid, Uuid), usize> = HashMap::new();
    for a in role_assignment::Entity::find()
        .filter(role_assignment::Column::RoleId.is_in(roles.iter().copied()))
        .filter(role_assignment::Column::Status.eq(AssignmentStatus::Active))
        .all(db)
        .await
        .expect("assignments")
    {
        *active.entry((a.user_id, a.role_id)).or_default() += 1;
    }
    out.extend(
        active
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(k, n)| format!("{n} active assignments of one role: {k:?}")),
    );
    let saars = saar::Entity::find()
        .filter(saar::Column::RoleId.is_in(roles.iter().copied()))
        .all(db)
        .await
        .expect("saars");
    let tasks = approval_task::Entity::find()
        .filter(approval_task::Column::SaarId.is_in(saars.iter().map(|s| s.id)))
        .filter(approval_task::Column::Status.eq(TaskStatus::Open))
        .all(db)
        .await
        .expect("tasks");
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Target.like("saar:%"))
        .all(db)
        .await
        .expect("events");
    let count = |id: Uuid, action: &str| {
        let target = format!("saar:{id}");
        events
            .iter()
            .filter(|e| e.target.as_deref() == Some(target.as_str()) && e.action == action)
            .count()
    };
    for s in &saars {
        let open = tasks.iter().filter(|t| t.saar_id == s.id).count();
        let want_open = usize::from(s.status == S::Pending && s.request_type == RequestType::Initial);
        if s.request_type == RequestType::Initial && open != want_open {
            out.push(format!("{} ({}): {open} open tasks", s.number, s.status.as_str()));
        }
        if s.request_type != RequestType::Initial {
            if open > 0 && s.status != S::Pending {
                out.push(format!("{} ({}): open tasks", s.number, s.status.as_str()));
            }
            continue;
        }
        let expect = [
            ("saar.submitted", 1),
            (
                "saar.approved",
                usize::from(matches!(s.status, S::Provisioning | S::Completed)),
            ),
            ("saar.rejected", usize::from(s.status == S::Rejected)),
            ("saar.cancelled", usize::from(s.status == S::Cancelled)),
        ];
        // Each return is answered by one resubmission, but the last return may stand: the SAAR
        // is returned now, or was cancelled or expired while returned.
        let (returned, resubmitted) = (count(s.id, "saar.returned"), count(s.id, "saar.resubmitted"));
        let stands = returned.checked_sub(resubmitted);
        let fits = match s.status {
            S::Returned => stands == Some(1),
            S::Cancelled | S::Expired => matches!(stands, Some(0 | 1)),
            _ => stands == Some(0),
        };
        if !fits {
            out.push(format!(
                "{} ({}): {returned} returns, {resubmitted} resubmissions",
                s.number,
                s.status.as_str()
            ));
        }
        for (action, want) in expect {
            let got = count(s.id, action);
            if got != want {
                out.push(format!(
                    "{} ({}): {got} `{action}` events, {want} expected",
                    s.number,
                    s.status.as_str()
                ));
            }
        }
        if matches!(s.status, S::Rejected | S::Returned)
            && mails_about(app, "jane.requester@dla.example", &s.number).await == 0
        {
            out.push(format!(
                "{} ({}): no mail to the requester",
                s.number,
                s.status.as_str()
            ));
        }
    }
    out
}

async fn random_interleavings_of_the_workflow_keep_its_invariants(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let application = admin
        .create_application(&CreateApplicationRequest {
            code: "RACE".into(),
            name: "Race records".into(),
            provisioning_mode: ProvisioningMode::Manual,
            webhook_url: None,
            provisioner_group_id: None,
        })
        .await
        .expect("application");
    let people = People {
        requester: as_user(&app, "jrequester").await,
        supervisor: as_user(&app, "ssupervisor").await,
        deputy: as_user(&app, "iiao").await,
        provisioner: as_user(&app, "pprovisioner").await,
    };
    let mut runner = TestRunner::new(Config::with_cases(RUNS));
    for n in 0..RUNS {
        // Fresh roles for each run, so each starts from nothing held or pending.
        let mut roles = Vec::with_capacity(ROLES);
        for r in 0..ROLES {
            let role = admin
                .create_role(&supervised_role(application.id, &format!("Race {n} Role {r}")))
                .await
                .expect("role");
            roles.push(role.id);
        }
        let rounds = run().new_tree(&mut runner).expect("a generated run").current();
        let mut done = 0;
        for round in &rounds {
            let answers = join_all(round.iter().map(|op| act(&app, &people, &roles, op))).await;
            let failed: Vec<&String> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
            assert!(failed.is_empty(), "run {rounds:#?}\nserver errors: {failed:#?}");
            done += answers.iter().filter(|a| matches!(a, Ok(true))).count();
        }
        eprintln!(
            "run {n}: {done} of {} actions carried out",
            rounds.iter().map(Vec::len).sum::<usize>()
        );
        // The deadlines job moves tasks to a deputy whose period began (and back): let it run.
        a_few_rounds().await;
        let broken = broken(&app, &roles).await;
        assert!(broken.is_empty(), "run {rounds:#?}\nbroken: {broken:#?}");
        people.supervisor.clear_deputy().await.ok();
        a_few_rounds().await;
    }
}
