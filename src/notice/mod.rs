//! Written notice of a measure: the letter the policy says a person gets
//! before anything is enforced ("why, what and for how long", the review,
//! the urgent route, how to complain), rendered from a template a service
//! can make its own without a rebuild.
//!
//! The built-in templates are compiled into the binary; `notice_template_html`
//! and `notice_template_text` name replacements, read and test-rendered at
//! start-up so a broken template stops the service there, not when a
//! supervisor prints a letter.

pub mod plain;

use std::path::Path;

use chrono::NaiveDate;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

use crate::domain::{Measure, MeasureKind, RecordId};

pub const BUILT_IN_HTML: &str = include_str!("notice.html.j2");
pub const BUILT_IN_TEXT: &str = include_str!("notice.txt.j2");

const HTML: &str = "notice.html";
const TEXT: &str = "notice.txt";

/// The letter's two forms: printable HTML and plain text for email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Text,
}

/// Which letter: the first notice, a change, or the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Letter {
    New,
    Change,
    End,
}

impl Letter {
    pub fn parse(text: &str) -> Option<Letter> {
        match text {
            "new" => Some(Letter::New),
            "change" => Some(Letter::Change),
            "end" => Some(Letter::End),
            _ => None,
        }
    }
}

/// Everything a template is given.
#[derive(Debug, Serialize)]
pub struct Context {
    pub letter: Letter,
    pub today: String,
    pub person: PersonPart,
    pub measure: MeasurePart,
    pub terms: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct PersonPart {
    pub name: String,
    pub reference: Option<String>,
}

/// The measure with its dates written out as a letter writes them.
#[derive(Debug, Serialize)]
pub struct MeasurePart {
    pub id: i64,
    pub kind: &'static str,
    pub reason: String,
    pub notified_on: Option<String>,
    pub starts_on: String,
    pub review_on: String,
    pub ends_on: Option<String>,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
}

impl Context {
    /// The letter about `measure` for a person, dated `today` (the ending's
    /// date is the local date it ended, given as `ended_on`).
    pub fn new(
        letter: Letter,
        today: NaiveDate,
        person: PersonPart,
        measure: &Measure,
        ended_on: Option<NaiveDate>,
    ) -> Context {
        let terms = &measure.terms;
        Context {
            letter,
            today: long_date(today),
            person,
            measure: MeasurePart {
                id: measure.id.get(),
                kind: measure.kind.name(),
                reason: terms.reason.clone(),
                notified_on: terms.notified_on.map(long_date),
                starts_on: long_date(terms.starts_on),
                review_on: long_date(terms.review_on),
                ends_on: terms.ends_on.map(long_date),
                ended_on: ended_on.map(long_date),
                end_reason: measure.ended.as_ref().map(|e| e.reason.clone()),
            },
            terms: plain::terms(&measure.kind),
        }
    }
}

/// "2 December 2026".
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// The compiled templates.
pub struct Notices {
    env: Environment<'static>,
}

impl Notices {
    /// The built-in templates, or the files given in their place; each is
    /// test-rendered with a sample letter so a mistake is found now.
    pub fn load(html: Option<&Path>, text: Option<&Path>) -> anyhow::Result<Notices> {
        let read = |path: Option<&Path>, built_in: &str| -> anyhow::Result<String> {
            match path {
                Some(path) => std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display())),
                None => Ok(built_in.to_owned()),
            }
        };
        let mut env = Environment::new();
        // A misspelt variable is an error, not a blank in a letter.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|name| {
            if name == HTML {
                AutoEscape::Html
            } else {
                AutoEscape::None
            }
        });
        for (name, path, built_in) in [(HTML, html, BUILT_IN_HTML), (TEXT, text, BUILT_IN_TEXT)] {
            let source = read(path, built_in)?;
            let from = path.map_or_else(
                || "the built-in template".to_owned(),
                |p| p.display().to_string(),
            );
            env.add_template_owned(name, source)
                .map_err(|e| anyhow::anyhow!("{from}: {e:#}"))?;
        }
        let notices = Notices { env };
        for letter in [Letter::New, Letter::Change, Letter::End] {
            for format in [Format::Html, Format::Text] {
                notices
                    .render(format, &sample(letter))
                    .map_err(|e| anyhow::anyhow!("the {format:?} notice template: {e:#}"))?;
            }
        }
        Ok(notices)
    }

    pub fn render(&self, format: Format, context: &Context) -> Result<String, minijinja::Error> {
        let name = match format {
            Format::Html => HTML,
            Format::Text => TEXT,
        };
        self.env.get_template(name)?.render(context)
    }
}

/// A letter with every optional part filled in, for the start-up check.
fn sample(letter: Letter) -> Context {
    let date = NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date");
    Context {
        letter,
        today: long_date(date),
        person: PersonPart {
            name: "A. Person".into(),
            reference: Some("REF-1".into()),
        },
        measure: MeasurePart {
            id: 1,
            kind: MeasureKind::Block.name(),
            reason: "a reason".into(),
            notified_on: Some(long_date(date)),
            starts_on: long_date(date),
            review_on: long_date(date),
            ends_on: Some(long_date(date)),
            ended_on: Some(long_date(date)),
            end_reason: Some("an end".into()),
        },
        terms: vec!["a term".into()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_load_and_escape_html_but_not_text() {
        let notices = Notices::load(None, None).unwrap();
        let mut context = sample(Letter::New);
        context.measure.reason = "calls <b>every</b> hour & at night".into();
        let html = notices.render(Format::Html, &context).unwrap();
        assert!(
            html.contains("calls &lt;b&gt;every&lt;&#x2f;b&gt; hour &amp; at night"),
            "{html}"
        );
        let text = notices.render(Format::Text, &context).unwrap();
        assert!(
            text.contains("calls <b>every</b> hour & at night"),
            "{text}"
        );
    }

    #[test]
    fn a_template_naming_an_unknown_variable_is_refused_at_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notice.txt.j2");
        std::fs::write(&path, "Dear {{ person.nmae }}").unwrap();
        let error = Notices::load(None, Some(&path)).err().expect("refused");
        assert!(
            error.to_string().contains("Text notice template"),
            "{error}"
        );
    }

    #[test]
    fn a_template_that_does_not_parse_is_refused_naming_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notice.html.j2");
        std::fs::write(&path, "{% if %}").unwrap();
        let error = Notices::load(Some(&path), None).err().expect("refused");
        assert!(error.to_string().contains("notice.html.j2"), "{error}");
    }

    #[test]
    fn dates_are_written_out_in_full() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(long_date(date), "2 December 2026");
    }
}
