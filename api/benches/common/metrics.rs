//! What `just bench` reads from the server under test.

/// Database statements the server at `base` has run so far (from its `/metrics`).
pub async fn statements(http: &reqwest::Client, base: &url::Url) -> f64 {
    let text = http
        .get(base.join("metrics").expect("url"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .filter(|l| l.starts_with("db_statement_duration_seconds_count"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
