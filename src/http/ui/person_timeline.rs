//! The person page's timeline: contacts, measure events, appeals and flags
//! as one list, newest first, a page at a time (`store::timeline`), each
//! entry in words, with a link to older entries.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use maud::{html, Markup};

use super::person::words;
use crate::domain::PersonId;
use crate::store::contacts::ContactRow;
use crate::store::timeline::{FlagEvent, Item, Page};

/// The day of a stored RFC 3339 time, as written on the page.
pub fn day_of(at: &str) -> String {
    DateTime::parse_from_rfc3339(at)
        .map(|at| at.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| at.to_owned())
}

/// A moment in the service's timezone, as staff keep their diaries.
fn when(at: &DateTime<Utc>, tz: Tz) -> Markup {
    html! {
        time datetime=(at.to_rfc3339()) { (at.with_timezone(&tz).format("%-d %b %Y %H:%M")) }
    }
}

pub fn list(person: PersonId, page: &Page, tz: Tz) -> Markup {
    html! {
        @if page.items.is_empty() {
            p { "Nothing on the timeline yet." }
        } @else {
            ol class="timeline" {
                @for item in &page.items {
                    li { (entry(item, tz)) }
                }
            }
        }
        @if let Some(next) = &page.next {
            p {
                a href={ "/ui/people/" (person) "?before=" (next.encode()) "#timeline" } {
                    "Older entries"
                }
            }
        }
    }
}

fn entry(item: &Item, tz: Tz) -> Markup {
    match item {
        Item::Contact(contact) => contact_entry(contact, tz),
        Item::Measure {
            at,
            event,
            measure_id,
            kind,
            by,
        } => html! {
            (when(at, tz)) " "
            strong { "Measure " (event) } " by " (by) ": "
            a href={ "/ui/measures/" (measure_id) } {
                (kind.as_deref().map(words).unwrap_or_else(|| format!("measure {measure_id}")))
            }
        },
        Item::Appeal {
            at,
            event,
            outcome,
            by,
            ..
        } => html! {
            (when(at, tz)) " "
            strong { "Appeal " (event) } " by " (by)
            @if let Some(outcome) = outcome { ": " (outcome.as_str()) }
        },
        Item::Flag {
            at,
            event,
            kind,
            detail,
            by,
            reason,
            ..
        } => html! {
            (when(at, tz)) " "
            strong {
                "Flag " (match event {
                    FlagEvent::Raised => "raised",
                    FlagEvent::Dismissed => "dismissed",
                    FlagEvent::Resolved => "resolved",
                })
            }
            ": " (words(kind.as_str())) " – " (detail)
            @if let Some(by) = by { " (by " (by) }
            @if let Some(reason) = reason { ": " (reason) }
            @if by.is_some() { ")" }
        },
    }
}

fn contact_entry(c: &ContactRow, tz: Tz) -> Markup {
    let why = c
        .rules
        .as_ref()
        .and_then(|rules| rules.first())
        .map(|hit| hit.detail.clone());
    html! {
        (when(&c.at, tz)) " "
        strong { (words(c.channel.as_str())) }
        @if let Some(identity) = &c.identity { " from " (identity) }
        @if let Some(action) = c.action { ": " (action_words(action.as_str())) }
        @if let Some(why) = why { " (" (why) ")" }
        @if c.urgent { " – " strong { "urgent option chosen" } }
        @if c.complaint { " – a complaint about the service" }
        @if let Some(advisor) = &c.advisor { "; answered by " (advisor) }
        @if let Some(enquiry) = c.enquiry_id { "; enquiry " (enquiry) }
        @if let Some(note) = &c.note { br; span class="hint" { (note) } }
    }
}

fn action_words(action: &str) -> &'static str {
    match action {
        "route" => "put through",
        "announce" => "put through after a message",
        "divert" => "diverted",
        "block" => "blocked",
        _ => "answered",
    }
}
