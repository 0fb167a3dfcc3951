//! The `[[rules]]`: paths resolved, kinds checked.

use super::*;

impl Loader<'_> {
    pub(super) fn path(
        &self,
        rule: &str,
        text: &Spanned<String>,
        profile: &Profile,
    ) -> Result<(FieldPath, Field), ProfileError> {
        let parsed = FieldPath::parse(text.get_ref()).ok_or_else(|| {
            self.err(
                &text.span(),
                Reason::RuleUnknownField {
                    rule: rule.to_owned(),
                    path: text.get_ref().clone(),
                    detail: "not a path such as `a.b` or `list[].c`".into(),
                },
            )
        })?;
        let field = profile.resolve(&parsed).map_err(|detail| {
            self.err(
                &text.span(),
                Reason::RuleUnknownField {
                    rule: rule.to_owned(),
                    path: text.get_ref().clone(),
                    detail,
                },
            )
        })?;
        Ok((parsed, field.clone()))
    }

    pub(super) fn rule(&self, r: &RawRule, profile: &Profile) -> Result<Rule, ProfileError> {
        let name = r.rule.get_ref().as_str();
        if !Rule::NAMES.contains(&name) {
            return Err(self.invalid(
                &r.rule.span(),
                format!(
                    "unknown rule `{name}`; the rules are: {}",
                    Rule::NAMES.join(", ")
                ),
            ));
        }
        let allowed: &[&str] = match name {
            "not-future" => &["field"],
            "before" | "after" => &["field", "other", "or_same"],
            "distinct" => &["fields", "by"],
            "at-most" => &["fields", "max"],
            _ => &["of", "minus", "total"],
        };
        let given = [
            ("field", r.field.is_some()),
            ("other", r.other.is_some()),
            ("or_same", r.or_same),
            ("fields", r.fields.is_some()),
            ("by", r.by.is_some()),
            ("max", r.max.is_some()),
            ("of", r.of.is_some()),
            ("minus", r.minus.is_some()),
            ("total", r.total.is_some()),
        ];
        for (option, present) in given {
            if present && !allowed.contains(&option) {
                return Err(self.invalid(
                    &r.rule.span(),
                    format!("`{option}` does not apply to rule `{name}`"),
                ));
            }
        }
        let need =
            |v: &Option<Spanned<String>>, what: &str| -> Result<Spanned<String>, ProfileError> {
                v.clone().ok_or_else(|| {
                    self.invalid(&r.rule.span(), format!("rule `{name}` needs `{what}`"))
                })
            };
        let wrong = |text: &Spanned<String>, found: &Kind, expected: &str| {
            self.err(
                &text.span(),
                Reason::RuleWrongKind {
                    rule: name.to_owned(),
                    path: text.get_ref().clone(),
                    found: describe(found),
                    expected: expected.to_owned(),
                },
            )
        };
        let is_date = |k: &Kind| matches!(k, Kind::Date | Kind::DateTime);
        Ok(match name {
            "not-future" => {
                let text = need(&r.field, "field")?;
                let (field, f) = self.path(name, &text, profile)?;
                if !is_date(&f.kind) {
                    return Err(wrong(&text, &f.kind, "a date or a date-time"));
                }
                Rule::NotFuture { field }
            }
            "before" | "after" => {
                let t1 = need(&r.field, "field")?;
                let t2 = need(&r.other, "other")?;
                let (field, f1) = self.path(name, &t1, profile)?;
                let (other, f2) = self.path(name, &t2, profile)?;
                if !is_date(&f1.kind) {
                    return Err(wrong(&t1, &f1.kind, "a date or a date-time"));
                }
                if f2.kind != f1.kind {
                    return Err(wrong(
                        &t2,
                        &f2.kind,
                        &format!("{} like `{}`", describe(&f1.kind), t1.get_ref()),
                    ));
                }
                let or_same = r.or_same;
                if name == "before" {
                    Rule::Before {
                        field,
                        other,
                        or_same,
                    }
                } else {
                    Rule::After {
                        field,
                        other,
                        or_same,
                    }
                }
            }
            "distinct" => {
                let Some(list) = &r.fields else {
                    return Err(self.invalid(&r.rule.span(), "rule `distinct` needs `fields`"));
                };
                if list.is_empty() {
                    return Err(
                        self.invalid(&r.rule.span(), "rule `distinct` needs at least one field")
                    );
                }
                let Some(by) = &r.by else {
                    return Err(self.invalid(
                        &r.rule.span(),
                        "rule `distinct` needs `by` (groups of keys that identify a person)",
                    ));
                };
                if by.get_ref().is_empty() || by.get_ref().iter().any(Vec::is_empty) {
                    return Err(self.invalid(
                        &by.span(),
                        "`by` is a non-empty list of non-empty lists of keys",
                    ));
                }
                let mut fields = Vec::new();
                for text in list {
                    let (path, f) = self.path(name, text, profile)?;
                    let type_name = match &f.kind {
                        Kind::Object {
                            role: Role::Person,
                            type_name,
                        } => type_name,
                        Kind::List {
                            role: Role::Person,
                            type_name,
                            ..
                        } if !path.segments.last().is_some_and(|s| s.each) => type_name,
                        other => return Err(wrong(text, other, "a person or a list of persons")),
                    };
                    let t = profile.types.get(type_name);
                    for group in by.get_ref() {
                        for key in group {
                            if t.and_then(|t| t.field(key)).is_none() {
                                return Err(self.err(
                                    &by.span(),
                                    Reason::RuleUnknownField {
                                        rule: name.to_owned(),
                                        path: format!("{}.{key}", text.get_ref()),
                                        detail: format!("type `{type_name}` has no field `{key}`"),
                                    },
                                ));
                            }
                        }
                    }
                    fields.push(path);
                }
                if fields.len() == 1
                    && !matches!(
                        profile.resolve(&fields[0]).map(|f| &f.kind),
                        Ok(Kind::List { .. })
                    )
                {
                    return Err(self.invalid(
                        &r.rule.span(),
                        "rule `distinct` with one field needs a list (or name two or more persons)",
                    ));
                }
                Rule::Distinct {
                    fields,
                    by: by.get_ref().clone(),
                }
            }
            "at-most" => {
                let Some(list) = &r.fields else {
                    return Err(self.invalid(&r.rule.span(), "rule `at-most` needs `fields`"));
                };
                let Some(max) = &r.max else {
                    return Err(self.invalid(&r.rule.span(), "rule `at-most` needs `max`"));
                };
                let fields = list
                    .iter()
                    .map(|t| self.path(name, t, profile).map(|(p, _)| p))
                    .collect::<Result<Vec<_>, _>>()?;
                if fields.is_empty() {
                    return Err(
                        self.invalid(&r.rule.span(), "rule `at-most` needs at least one field")
                    );
                }
                Rule::AtMost {
                    fields,
                    max: *max.get_ref(),
                }
            }
            _ => {
                let Some(of) = &r.of else {
                    return Err(self.invalid(&r.rule.span(), "rule `sum` needs `of`"));
                };
                let total_text = need(&r.total, "total")?;
                let amounts = |list: &[Spanned<String>]| -> Result<Vec<FieldPath>, ProfileError> {
                    list.iter()
                        .map(|t| {
                            let (p, f) = self.path(name, t, profile)?;
                            if f.kind != Kind::Amount {
                                return Err(wrong(t, &f.kind, "an amount"));
                            }
                            Ok(p)
                        })
                        .collect()
                };
                let of = amounts(of)?;
                let minus = amounts(r.minus.as_deref().unwrap_or_default())?;
                let total = amounts(std::slice::from_ref(&total_text))?;
                if total[0].segments.iter().any(|s| s.each) {
                    return Err(self.invalid(
                        &total_text.span(),
                        "the total of a `sum` is one amount, not inside a list",
                    ));
                }
                Rule::Sum {
                    of,
                    minus,
                    total: total[0].clone(),
                }
            }
        })
    }
}

/// A short description of a field's kind for messages (`a date`, `a text`).
fn describe(kind: &Kind) -> String {
    match kind {
        Kind::List { type_name, .. } => format!("a list of `{type_name}`"),
        Kind::Object { role, type_name } => format!("a {} (`{type_name}`)", role.as_str()),
        Kind::Amount | Kind::Enum { .. } | Kind::Identifier { .. } | Kind::Integer { .. } => {
            format!("an {}", kind.name())
        }
        other => format!("a {}", other.name()),
    }
}
