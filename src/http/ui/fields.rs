//! The fields of every form under `/ui`, drawn one way, as GOV.UK draws
//! them: a label, an optional hint, the error beside the field, both
//! joined to the control by `aria-describedby` so that a screen reader
//! reads them with it, and the value that was typed kept. A field is
//! built, then drawn: `Control::new("reason", "Reason").hint(..).error(..)`
//! then `.textarea(3, typed)`.

use maud::{html, Markup};

/// One labelled control, built up and then drawn by `input`, `textarea`,
/// `select` or `radios`.
pub struct Control<'a> {
    id: String,
    name: &'a str,
    label: &'a str,
    hint: Option<&'a str>,
    error: Option<&'a str>,
    spellcheck: bool,
    autocomplete: Option<&'a str>,
    class: Option<&'a str>,
}

impl<'a> Control<'a> {
    /// The control posted as `name`, whose id is its name too.
    pub fn new(name: &'a str, label: &'a str) -> Control<'a> {
        Control {
            id: name.to_owned(),
            name,
            label,
            hint: None,
            error: None,
            spellcheck: true,
            autocomplete: None,
            class: None,
        }
    }

    /// Another id, for a page with two forms posting the same name.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = id.into();
        self
    }

    pub fn hint(mut self, hint: impl Into<Option<&'a str>>) -> Self {
        self.hint = hint.into();
        self
    }

    /// The message shown beside the field when it is in error.
    pub fn error(mut self, error: Option<&'a str>) -> Self {
        self.error = error;
        self
    }

    /// For numbers, names and codes, which a spell checker only marks.
    pub fn no_spellcheck(mut self) -> Self {
        self.spellcheck = false;
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'a str) -> Self {
        self.autocomplete = Some(autocomplete);
        self
    }

    /// A class for the control itself (the field's wrapper has `field`).
    pub fn class(mut self, class: &'a str) -> Self {
        self.class = Some(class);
        self
    }

    /// A one-line input of `kind` (text, date, number, password, ...).
    pub fn input(&self, kind: &str, value: &str) -> Markup {
        self.field(html! {
            input id=(self.id) name=(self.name) type=(kind) value=(value) class=[self.class]
                spellcheck=[(!self.spellcheck).then_some("false")]
                autocomplete=[self.autocomplete]
                aria-describedby=[self.described_by()];
        })
    }

    pub fn textarea(&self, rows: u8, value: &str) -> Markup {
        self.field(html! {
            textarea id=(self.id) name=(self.name) rows=(rows) class=[self.class]
                spellcheck=[(!self.spellcheck).then_some("false")]
                aria-describedby=[self.described_by()] { (value) }
        })
    }

    /// A drop-down list; `options` are (value, text), `value` is chosen.
    pub fn select(&self, options: &[(&str, &str)], value: &str) -> Markup {
        self.field(html! {
            select id=(self.id) name=(self.name) class=[self.class]
                aria-describedby=[self.described_by()] {
                @for (option, text) in options {
                    option value=(option) selected[*option == value] { (text) }
                }
            }
        })
    }

    /// A radio group in a fieldset, the label its legend; `options` are
    /// (value, label, hint). The first radio's id is the control's, so an
    /// error summary's link lands on it.
    pub fn radios(&self, options: &[(&str, &str, &str)], value: &str) -> Markup {
        html! {
            div class=(field_class(self.error)) {
                fieldset class="radios" aria-describedby=[self.described_by()] {
                    legend { (self.label) }
                    (self.hint_line())
                    (message(&self.id, self.error))
                    @for (i, (option, label, hint)) in options.iter().enumerate() {
                        @let id = if i == 0 { self.id.clone() } else { format!("{}-{option}", self.id) };
                        div class="radio" {
                            input id=(id) name=(self.name) type="radio" value=(option)
                                checked[*option == value]
                                aria-describedby=[(!hint.is_empty()).then(|| format!("{id}-hint"))];
                            label for=(id) { (label) }
                            @if !hint.is_empty() {
                                span class="hint" id={ (id) "-hint" } { (hint) }
                            }
                        }
                    }
                }
            }
        }
    }

    fn field(&self, control: Markup) -> Markup {
        html! {
            div class=(field_class(self.error)) {
                label for=(self.id) { (self.label) }
                (self.hint_line())
                (message(&self.id, self.error))
                (control)
            }
        }
    }

    fn hint_line(&self) -> Markup {
        html! {
            @if let Some(hint) = self.hint {
                span class="hint" id={ (self.id) "-hint" } { (hint) }
            }
        }
    }

    fn described_by(&self) -> Option<String> {
        let ids: Vec<String> = [
            self.hint.map(|_| format!("{}-hint", self.id)),
            described_by(&self.id, self.error),
        ]
        .into_iter()
        .flatten()
        .collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    }
}

/// The message beside field `id`, if it is the one in error; its id is
/// `{id}-error`, for the field's `aria-describedby`.
pub fn message(id: &str, error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            span class="error-message" id={ (id) "-error" } { "Error: " (error) }
        }
    }
}

/// `{id}-error` when the field is in error, for `aria-describedby`.
pub fn described_by(id: &str, error: Option<&str>) -> Option<String> {
    error.map(|_| format!("{id}-error"))
}

/// The `field` class of a field's wrapper, marked when it is in error.
pub fn field_class(error: Option<&str>) -> &'static str {
    if error.is_some() {
        "field field-error"
    } else {
        "field"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_in_error_points_its_control_at_the_hint_and_the_message() {
        let html = Control::new("reason", "Reason")
            .hint("Why")
            .error(Some("enter a reason"))
            .textarea(3, "typed <b>")
            .into_string();
        assert!(
            html.contains(r#"<div class="field field-error">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<label for="reason">Reason</label>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"aria-describedby="reason-hint reason-error""#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<span class="error-message" id="reason-error">Error: enter a reason</span>"#
            ),
            "{html}"
        );
        assert!(html.contains("typed &lt;b&gt;</textarea>"), "{html}");
    }

    #[test]
    fn a_field_without_hint_or_error_describes_nothing() {
        let html = Control::new("number", "Number")
            .id("rule-number")
            .no_spellcheck()
            .input("text", "0161")
            .into_string();
        assert!(!html.contains("aria-describedby"), "{html}");
        assert!(html.contains(r#"id="rule-number" name="number""#), "{html}");
        assert!(html.contains(r#"spellcheck="false""#), "{html}");
        assert!(html.contains(r#"value="0161""#), "{html}");
    }

    #[test]
    fn the_chosen_option_and_radio_are_marked() {
        let select = Control::new("per", "Per")
            .select(&[("day", "Day"), ("week", "Week")], "week")
            .into_string();
        assert!(
            select.contains(r#"<option value="week" selected>"#),
            "{select}"
        );
        assert!(
            !select.contains(r#"<option value="day" selected>"#),
            "{select}"
        );
        let radios = Control::new("kind", "Kind")
            .radios(&[("a", "A", ""), ("b", "B", "the hint")], "b")
            .into_string();
        assert!(radios.contains(r#"<legend>Kind</legend>"#), "{radios}");
        assert!(
            radios.contains(r#"id="kind" name="kind" type="radio" value="a""#),
            "{radios}"
        );
        assert!(radios.contains(r#"value="b" checked"#), "{radios}");
        assert!(
            radios.contains(r#"aria-describedby="kind-b-hint""#),
            "{radios}"
        );
    }
}
