//! Catalog writes through the API: who may make them and how bad input is refused.

use crate::both_dbs;
use crate::helpers::*;
use amps_openapi::*;
use uuid::Uuid;

both_dbs!(catalog_writes_are_for_catalog_managers_and_refuse_bad_input,);

async fn catalog_writes_are_for_catalog_managers_and_refuse_bad_input(db: Db) {
    let app = seeded(db).await;
    let admin = as_user(&app, "aadmin").await;
    let requester = as_user(&app, "jrequester").await;
    let app_req = |code: &str, mode: ProvisioningMode, hook: Option<&str>| CreateApplicationRequest {
        code: code.into(),
        name: "Some application".into(),
        provisioning_mode: mode,
        webhook_url: hook.map(str::to_string),
        provisioner_group_id: None,
    };
    let group = CreateApprovalGroupRequest {
        name: "Some group".into(),
        description: String::new(),
        members: vec![],
    };
    let pop = role_id(&requester, "Web User POP-001", "PROD").await;
    let ebs = role_id(&requester, "EBS Inquiry User", "PROD").await;
    let rule = CreateSodRuleRequest {
        name: "Some rule".into(),
        description: String::new(),
        role_ids: vec![pop, ebs],
    };
    // Who must be refused: an ordinary user, a provisioner, an external user.
    for login in ["jrequester", "pprovisioner", "vvendor"] {
        let c = as_user(&app, login).await;
        assert_eq!(
            c.create_application(&app_req("NOPE", ProvisioningMode::Manual, None))
                .await
                .expect_err(login)
                .status(),
            Some(403)
        );
        assert_eq!(
            c.create_approval_group(&group).await.expect_err(login).status(),
            Some(403)
        );
        assert_eq!(
            c.create_sod_rule(&rule).await.expect_err(login).status(),
            Some(403)
        );
    }
    let apps = app.count("applications").await;
    let e = admin
        .create_application(&app_req("AUTO2", ProvisioningMode::Automatic, None))
        .await
        .expect_err("no webhook");
    assert_eq!(e.problem().expect("problem").errors[0].field, "webhook_url");
    let e = admin
        .create_application(&app_req("AUTO3", ProvisioningMode::Automatic, Some("not a url")))
        .await
        .expect_err("bad url");
    assert_eq!(e.status(), Some(422));
    // Webhooks go to public addresses over https: not plain http, not an address inside.
    for hook in [
        "http://hooks.example.com/amps",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.7/hook",
        "http://127.0.0.1:9000/hook",
        "https://[::1]/hook",
    ] {
        let e = admin
            .create_application(&app_req("AUTO4", ProvisioningMode::Automatic, Some(hook)))
            .await
            .expect_err(hook);
        assert_eq!(e.status(), Some(422), "{hook}");
        let p = e.problem().expect("problem");
        assert_eq!(p.errors[0].field, "webhook_url", "{hook}");
        assert_eq!(p.errors[0].code, "not_allowed", "{hook}");
    }
    let e = admin
        .create_application(&app_req("HMMS-POP", ProvisioningMode::Manual, None))
        .await
        .expect_err("taken");
    assert_eq!(e.status(), Some(409));
    assert_eq!(
        app.count("applications").await,
        apps,
        "refused writes change nothing"
    );
    let hmms = admin
        .applications()
        .await
        .expect("apps")
        .into_iter()
        .find(|a| a.code == "HMMS-POP")
        .expect("HMMS-POP");
    let role = |chain: Vec<ChainLevel>| CreateRoleRequest {
        application_id: hmms.id,
        name: "New role".into(),
        environment: "PROD".into(),
        description: String::new(),
        hidden: false,
        visible_to: vec!["Nowhere".into()],
        requestable_by: Requestable::Both,
        min_it_level: "IV".into(),
        prerequisites: vec![Uuid::new_v4()],
        chain,
        default_expiration_days: None,
        mfa_required: false,
        data_owner_id: None,
        iao_id: None,
        renewal_approver: Default::default(),
    };
    let e = admin
        .create_role(&role(vec![
            ChainLevel {
                kind: "data_owner".into(),
                group_id: None,
            },
            ChainLevel {
                kind: "group".into(),
                group_id: Some(Uuid::new_v4()),
            },
            ChainLevel {
                kind: "boss".into(),
                group_id: None,
            },
        ]))
        .await
        .expect_err("many problems");
    let fields: Vec<String> = e
        .problem()
        .expect("problem")
        .errors
        .iter()
        .map(|f| f.field.clone())
        .collect();
    for f in [
        "min_it_level",
        "chain[1].group_id",
        "chain[2].kind",
        "data_owner_id",
        "visible_to[0]",
        "prerequisites[0]",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} in {fields:?}");
    }
    let e = admin
        .create_role(&CreateRoleRequest {
            chain: vec![],
            ..role(vec![])
        })
        .await
        .expect_err("empty chain");
    assert_eq!(e.status(), Some(422));
    let e = admin
        .create_sod_rule(&CreateSodRuleRequest {
            role_ids: vec![pop, pop],
            ..rule.clone()
        })
        .await
        .expect_err("one role");
    assert_eq!(e.status(), Some(422));
    admin.create_sod_rule(&rule).await.expect("rule");
    assert_eq!(
        admin
            .create_sod_rule(&rule)
            .await
            .expect_err("name taken")
            .status(),
        Some(409)
    );
}
