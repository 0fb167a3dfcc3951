//! Reading a POSTed form (`application/x-www-form-urlencoded`) and writing accessible inputs:
//! every input has its `<label for>`, and an input with an error says so with
//! `aria-invalid="true"` and `aria-describedby` pointing at the error's text (`error-<name>`).

use axum::Form;
use axum::extract::{FromRequest, Request};
use civitas_web::escape;

use super::error::ConsoleError;

/// Largest request body of the console (the issue form of the longest profile is a few
/// kilobytes): the router's body limit.
pub(crate) const MAX_FORM_BYTES: usize = 256 * 1024;

/// Most fields read from one form.
const MAX_FIELDS: usize = 2_000;

/// The fields of a POSTed form, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fields {
    pairs: Vec<(String, String)>,
}

impl Fields {
    /// Reads the form of `request`.
    pub(crate) async fn read(request: Request) -> Result<Self, ConsoleError> {
        let Form(pairs) = Form::<Vec<(String, String)>>::from_request(request, &())
            .await
            .map_err(|e| ConsoleError::Form(e.body_text()))?;
        if pairs.len() > MAX_FIELDS {
            return Err(ConsoleError::Form(format!(
                "{} fields; at most {MAX_FIELDS}",
                pairs.len()
            )));
        }
        Ok(Self { pairs })
    }

    /// Fields given as pairs (tests).
    #[cfg(test)]
    pub(crate) fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        Self {
            pairs: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    /// The value of the first field called `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, trimmed; `None` when absent or blank.
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// An input's accessibility attributes: ` aria-invalid="true" aria-describedby="error-<id>"`
/// when it has an error, else ` aria-describedby="hint-<id>"` when it has a hint.
fn described(id: &str, error: Option<&str>, hint: bool) -> String {
    match (error, hint) {
        (Some(_), true) => {
            format!(" aria-invalid=\"true\" aria-describedby=\"error-{id} hint-{id}\"")
        }
        (Some(_), false) => format!(" aria-invalid=\"true\" aria-describedby=\"error-{id}\""),
        (None, true) => format!(" aria-describedby=\"hint-{id}\""),
        (None, false) => String::new(),
    }
}

/// The error paragraph of input `id`.
pub(crate) fn error_text(id: &str, error: Option<&str>) -> String {
    error.map_or_else(String::new, |e| {
        format!(
            "<p class=\"field-error\" id=\"error-{id}\">{}</p>",
            escape(e)
        )
    })
}

/// One input with its label.
#[derive(Debug, Clone, Default)]
pub(crate) struct Input<'a> {
    /// Its id and name.
    pub(crate) id: &'a str,
    /// Its label (text).
    pub(crate) label: &'a str,
    /// `text`, `date`, `time`, `number`, `password`, `search`...
    pub(crate) kind: &'a str,
    /// Its current value.
    pub(crate) value: &'a str,
    /// Whether it must be filled in.
    pub(crate) required: bool,
    /// A hint under the label (text).
    pub(crate) hint: Option<&'a str>,
    /// The error to show with it (text).
    pub(crate) error: Option<&'a str>,
    /// Extra attributes (`autocomplete="off"`), already HTML.
    pub(crate) extra: &'a str,
}

impl Input<'_> {
    /// The label, hint, error and input.
    pub(crate) fn html(&self) -> String {
        let id = escape(self.id);
        let required = if self.required { " required" } else { "" };
        let marker = if self.required { " *" } else { "" };
        let hint = self.hint.map_or_else(String::new, |h| {
            format!("<p class=\"hint\" id=\"hint-{id}\">{}</p>", escape(h))
        });
        format!(
            "<label for=\"{id}\">{label}{marker}</label>{hint}{error}\
             <input type=\"{kind}\" id=\"{id}\" name=\"{id}\" value=\"{value}\"{required}{aria}{extra}>",
            label = escape(self.label),
            error = error_text(&id, self.error),
            kind = self.kind,
            value = escape(self.value),
            aria = described(&id, self.error, self.hint.is_some()),
            extra = self.extra,
        )
    }
}

/// A `<select>` with its label; `options` are (value, text); an empty first option unless
/// `required` and a value is chosen.
pub(crate) fn select(
    id: &str,
    label: &str,
    options: &[(String, String)],
    value: &str,
    required: bool,
    error: Option<&str>,
    empty_text: &str,
) -> String {
    let id = escape(id);
    let mut html = format!(
        "<label for=\"{id}\">{}{}</label>{}<select id=\"{id}\" name=\"{id}\"{}{}>",
        escape(label),
        if required { " *" } else { "" },
        error_text(&id, error),
        if required { " required" } else { "" },
        described(&id, error, false),
    );
    html.push_str(&format!(
        "<option value=\"\">{}</option>",
        escape(empty_text)
    ));
    for (code, text) in options {
        let selected = if code == value { " selected" } else { "" };
        html.push_str(&format!(
            "<option value=\"{}\"{selected}>{}</option>",
            escape(code),
            escape(text)
        ));
    }
    html.push_str("</select>");
    html
}
