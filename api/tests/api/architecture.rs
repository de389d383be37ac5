//! The layering the code promises (api/README.md), checked on the sources: use cases reach
//! the database only through `store/`, and the service modules do not import each other in a
//! circle. A change that breaks either fails here, not in a later review.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn sources(dir: &str) -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    std::fs::read_dir(&root)
        .expect("source folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .map(|p| {
            let name = p.file_stem().expect("name").to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).expect("readable source"))
        })
        .collect()
}

/// Code outside `#[cfg(test)]` modules (they may build rows by hand).
fn without_tests(src: &str) -> &str {
    src.split("#[cfg(test)]").next().unwrap_or(src)
}

#[test]
fn use_cases_reach_the_database_only_through_the_store() {
    for dir in ["service", "http", "jobs"] {
        for (name, src) in sources(dir) {
            let code = without_tests(&src);
            for forbidden in ["Column::", "Entity::", "ActiveModel", "sea_query", "QueryFilter"] {
                assert!(
                    !code.contains(forbidden),
                    "{dir}/{name}.rs uses {forbidden}: put the query in store/"
                );
            }
            for line in code.lines().filter(|l| l.trim_start().starts_with("use sea_orm")) {
                let allowed = ["ConnectionTrait", "TransactionTrait", "DatabaseConnection"];
                let names = line
                    .split(['{', '}', ',', ';'])
                    .map(str::trim)
                    .filter(|n| !n.is_empty() && !n.starts_with("use "));
                for n in names {
                    assert!(
                        allowed.contains(&n),
                        "{dir}/{name}.rs imports sea_orm's {n}: only connection and transaction traits belong in {dir}/"
                    );
                }
            }
        }
    }
}

#[test]
fn service_modules_do_not_import_each_other_in_a_circle() {
    let modules = sources("service");
    let names: BTreeSet<String> = modules.keys().filter(|m| *m != "mod").cloned().collect();
    let mut deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, src) in &modules {
        for other in &names {
            if other != m
                && (src.contains(&format!("super::{other}::"))
                    || src.contains(&format!("super::{other};"))
                    || src.contains(&format!("super::{{{other}"))
                    || src.contains(&format!("service::{other}::")))
            {
                deps.entry(m.clone()).or_default().insert(other.clone());
            }
        }
    }
    // Depth-first search for a cycle.
    fn visit(
        m: &str,
        deps: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(m) {
            return;
        }
        if let Some(i) = path.iter().position(|p| p == m) {
            panic!(
                "service modules import each other in a circle: {}",
                path[i..].join(" → ") + " → " + m
            );
        }
        path.push(m.to_string());
        for d in deps.get(m).into_iter().flatten() {
            visit(d, deps, path, done);
        }
        path.pop();
        done.insert(m.to_string());
    }
    let mut done = BTreeSet::new();
    for m in &names {
        visit(m, &deps, &mut Vec::new(), &mut done);
    }
    assert!(
        deps.get("views").is_none_or(BTreeSet::is_empty),
        "the read model depends on no use case"
    );
    assert!(
        deps.get("principal").is_none_or(BTreeSet::is_empty),
        "who the caller is depends on no use case"
    );
    assert!(
        deps.get("workflow")
            .is_none_or(|d| d.iter().all(|x| x == "views" || x == "principal")),
        "the shared workflow steps depend only on the read model and the caller: {:?}",
        deps.get("workflow")
    );
}
