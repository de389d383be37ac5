//! The SAAR as a document: the request laid out as DD Form 2875 (System Authorization Access
//! Request) as a PDF, built with `lopdf`: Part I the user's information as submitted and the
//! request, Part II the supervisor's (or EAO's) endorsement and the data owner's, IAO's and
//! approval groups' decisions, Part III the security manager's with the user's IT level and
//! training, Part IV provisioning and the access's end. Every step carries the seal (sequence
//! number and SHA-256 hash) of its event in the audit chain, so a printed SAAR can be checked
//! against the log (`amps audit verify --saar NUMBER --hash HASH`).

use crate::store::entities::audit_event;
use amps_openapi::{SaarResponse, SaarStep, TaskStatus};
use chrono::{DateTime, Utc};
use lopdf::content::{Content, Operation};
use lopdf::{Document, Object, Stream, dictionary};

/// Letter, in points.
const PAGE_W: f32 = 612.0;
const PAGE_H: f32 = 792.0;
const MARGIN: f32 = 48.0;
/// Characters per line at the body size (Helvetica 9 pt averages about 4.6 pt a character
/// over the 516 pt between the margins; kept short of it).
const WRAP: usize = 104;

/// Pages of text being laid out top to bottom.
struct Layout {
    pages: Vec<Vec<Operation>>,
    y: f32,
}

impl Layout {
    fn new() -> Self {
        Self {
            pages: vec![Vec::new()],
            y: PAGE_H - MARGIN,
        }
    }

    /// One line in font `font` (`F1` regular, `F2` bold) at `size`, indented by `indent`.
    fn line(&mut self, font: &str, size: f32, indent: f32, text: &str) {
        let lead = size + 4.0;
        if self.y - lead < MARGIN {
            self.pages.push(Vec::new());
            self.y = PAGE_H - MARGIN;
        }
        self.y -= lead;
        let Some(ops) = self.pages.last_mut() else {
            return;
        };
        ops.extend([
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec![font.into(), size.into()]),
            Operation::new("Td", vec![(MARGIN + indent).into(), self.y.into()]),
            Operation::new("Tj", vec![Object::string_literal(win_ansi(text))]),
            Operation::new("ET", vec![]),
        ]);
    }

    fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    fn title(&mut self, text: &str) {
        self.line("F2", 13.0, 0.0, text);
    }

    fn part(&mut self, text: &str) {
        self.gap(6.0);
        self.line("F2", 10.5, 0.0, text);
    }

    /// `label: value`, wrapped.
    fn field(&mut self, label: &str, value: &str) {
        let text = format!("{label}: {}", if value.trim().is_empty() { "-" } else { value });
        for (i, l) in wrap(&text, WRAP).iter().enumerate() {
            self.line("F1", 9.0, if i == 0 { 0.0 } else { 12.0 }, l);
        }
    }

    fn text(&mut self, indent: f32, value: &str) {
        for l in wrap(value, WRAP) {
            self.line("F1", 9.0, indent, &l);
        }
    }

    /// The PDF: every page with the two standard fonts (no font file is embedded).
    fn finish(self, number: &str) -> Result<Vec<u8>, lopdf::Error> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = |doc: &mut Document, base: &str| {
            doc.add_object(dictionary! {
                "Type" => "Font",
                "Subtype" => "Type1",
                "BaseFont" => base,
                "Encoding" => "WinAnsiEncoding",
            })
        };
        let regular = font(&mut doc, "Helvetica");
        let bold = font(&mut doc, "Helvetica-Bold");
        let resources_id = doc.add_object(dictionary! {
            "Font" => dictionary! { "F1" => regular, "F2" => bold },
        });
        let total = self.pages.len();
        let mut kids = Vec::with_capacity(total);
        for (i, mut ops) in self.pages.into_iter().enumerate() {
            let footer = format!(
                "{number} - DD Form 2875 as recorded by AMPS - page {} of {total}",
                i + 1
            );
            ops.extend([
                Operation::new("BT", vec![]),
                Operation::new("Tf", vec!["F1".into(), 7.5.into()]),
                Operation::new("Td", vec![MARGIN.into(), (MARGIN / 2.0).into()]),
                Operation::new("Tj", vec![Object::string_literal(win_ansi(&footer))]),
                Operation::new("ET", vec![]),
            ]);
            let content = Content { operations: ops };
            let content_id = doc.add_object(Stream::new(dictionary! {}, content.encode()?));
            kids.push(Object::from(doc.add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content_id,
            })));
        }
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages",
                "Kids" => kids,
                "Count" => total as i64,
                "Resources" => resources_id,
                "MediaBox" => vec![0.into(), 0.into(), PAGE_W.into(), PAGE_H.into()],
            }),
        );
        let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        let info_id = doc.add_object(dictionary! {
            "Title" => Object::string_literal(win_ansi(&format!("DD Form 2875 {number}"))),
            "Producer" => Object::string_literal("AMPS"),
        });
        doc.trailer.set("Root", catalog_id);
        doc.trailer.set("Info", info_id);
        doc.compress();
        let mut out = Vec::new();
        doc.save_to(&mut out)?;
        Ok(out)
    }
}

/// `text` in the standard fonts' encoding: Latin-1 characters as they are, anything else `?`.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| {
            u8::try_from(u32::from(c))
                .ok()
                .filter(|b| *b >= 0x20)
                .unwrap_or(b'?')
        })
        .collect()
}

/// `text` in lines of at most `width` characters, broken between words where it can be.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        while word.chars().count() > width {
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(head);
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// How an event is cited: its place and hash in the chain, or that it is not sealed yet.
fn seal(e: &audit_event::Model) -> String {
    match e.seq {
        Some(seq) => format!("audit event #{seq}, hash {}", e.hash),
        None => "audit event not yet sealed (the chain reaches it within a second)".into(),
    }
}

/// The decision event of `step`: the event about its level recorded when it was decided.
fn decision_of<'a>(step: &SaarStep, events: &'a [audit_event::Model]) -> Option<&'a audit_event::Model> {
    let at = step.decided_at?;
    events.iter().find(|e| {
        e.at == at
            && serde_json::from_str::<serde_json::Value>(&e.details)
                .ok()
                .and_then(|d| d.get("level").and_then(serde_json::Value::as_i64))
                == Some(i64::from(step.level))
    })
}

fn step_lines(l: &mut Layout, steps: &[&SaarStep], events: &[audit_event::Model]) {
    if steps.is_empty() {
        l.text(0.0, "No step of this kind in the request's approval chain.");
    }
    for s in steps {
        let decision = match s.status {
            TaskStatus::Open => format!("waiting since {}, due {}", when(&s.opened_at), when(&s.due_at)),
            _ => format!(
                "{} by {} on {}",
                s.status.label().to_lowercase(),
                s.decided_by.clone().unwrap_or_else(|| s.approver.clone()),
                s.decided_at.as_ref().map(when).unwrap_or_default()
            ),
        };
        l.field(
            &format!("Level {} ({})", s.level, s.kind.replace('_', " ")),
            &format!("{}: {decision}", s.approver),
        );
        if let Some(c) = s.reason_code.as_deref().or(s.comment.as_deref()) {
            l.text(12.0, &format!("Remarks: {}", s.comment.as_deref().unwrap_or(c)));
        }
        if let Some(e) = decision_of(s, events) {
            l.text(12.0, &seal(e));
        }
    }
}

/// The DD 2875 of `saar`, with its audit `events` (oldest first), made at `now`.
pub fn document(
    saar: &SaarResponse,
    events: &[audit_event::Model],
    now: DateTime<Utc>,
) -> Result<Vec<u8>, lopdf::Error> {
    let info = |k: &str| {
        saar.user_info
            .get(k)
            .map(|v| match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => String::new(),
                v => v.to_string(),
            })
            .unwrap_or_default()
    };
    let first = |actions: &[&str]| events.iter().find(|e| actions.contains(&e.action.as_str()));
    let mut l = Layout::new();
    l.title("SYSTEM AUTHORIZATION ACCESS REQUEST (SAAR) - DD FORM 2875");
    l.text(
        0.0,
        &format!(
            "{} - {} request - {} - made by AMPS on {} from its records and its audit log.",
            saar.number,
            saar.request_type.label(),
            saar.status.label(),
            when(&now)
        ),
    );

    l.part("PART I - REQUESTER AND USER INFORMATION");
    l.field("Name (User ID)", &saar.subject);
    l.field("Organization", &info("organization"));
    l.field("Company", &info("company"));
    l.field("Job title", &info("job_title"));
    l.field("Official email address", &info("email"));
    l.field("Official phone", &info("phone"));
    l.field("Designation of person", &info("user_type"));
    l.field(
        "IA training and awareness certification date",
        &info("ia_training_date"),
    );
    l.field(
        "Access requested",
        &format!(
            "{} ({} {})",
            saar.role.name, saar.role.application, saar.role.environment
        ),
    );
    l.field("Justification for access", &saar.justification);
    l.field("Requested by", &saar.requester);
    l.field("Requested on", &when(&saar.created_at));
    if let Some(e) = first(&[
        "saar.submitted",
        "saar.removal_requested",
        "saar.renewal_requested",
    ]) {
        l.text(
            12.0,
            &format!("Signed by {} on {}: {}", e.actor, when(&e.at), seal(e)),
        );
    }

    l.part("PART II - ENDORSEMENT OF ACCESS BY SUPERVISOR, DATA OWNER AND IAO");
    let endorsements: Vec<&SaarStep> = saar
        .steps
        .iter()
        .filter(|s| s.kind != "security_officer")
        .collect();
    step_lines(&mut l, &endorsements, events);

    l.part("PART III - SECURITY MANAGER VALIDATES THE BACKGROUND INVESTIGATION OR CLEARANCE");
    l.field("IT level designation", &info("it_level"));
    let security: Vec<&SaarStep> = saar
        .steps
        .iter()
        .filter(|s| s.kind == "security_officer")
        .collect();
    step_lines(&mut l, &security, events);

    l.part("PART IV - COMPLETION BY AUTHORIZED STAFF PREPARING ACCOUNT INFORMATION");
    match first(&["saar.provisioned", "saar.deprovisioned"]) {
        Some(e) => {
            let done = if e.action == "saar.provisioned" {
                "Account access granted"
            } else {
                "Account access removed"
            };
            l.field(done, &format!("by {} on {}", e.actor, when(&e.at)));
            l.text(12.0, &seal(e));
        }
        None => l.field("Provisioning", "not completed"),
    }
    l.field(
        "Access ends (revalidation or expiration)",
        &saar.access_ends_at.as_ref().map(when).unwrap_or_else(|| {
            "no end date on the request (the role's own period and yearly revalidation apply)".into()
        }),
    );

    l.part("AUDIT TRAIL OF THIS REQUEST");
    for e in events {
        l.text(
            0.0,
            &format!("{} {} by {}: {}", when(&e.at), e.action, e.actor, seal(e)),
        );
    }
    l.gap(6.0);
    l.text(
        0.0,
        &format!(
            "Check any hash printed here against the audit log: amps audit verify --saar {} --hash HASH",
            saar.number
        ),
    );
    l.finish(&saar.number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_between_words_and_long_words_are_cut() {
        assert_eq!(wrap("a bb ccc", 4), ["a bb", "ccc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 10), [""]);
        assert!(
            wrap(&"word ".repeat(100), WRAP)
                .iter()
                .all(|l| l.chars().count() <= WRAP)
        );
    }

    #[test]
    fn text_outside_latin_1_is_replaced() {
        assert_eq!(win_ansi("Zoë → ok"), b"Zo\xeb ? ok".to_vec());
    }
}
