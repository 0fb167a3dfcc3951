//! The `[document]`, `[vocabulary]` and `[enums]` tables.

use super::*;

impl Loader<'_> {
    pub(super) fn document(&self, raw: &Spanned<RawDocument>) -> Result<Document, ProfileError> {
        let d = raw.get_ref();
        if !is_term(d.type_name.get_ref()) {
            return Err(self.invalid(
                &d.type_name.span(),
                format!("`{}` is not a type name", d.type_name.get_ref()),
            ));
        }
        if d.version.get_ref().trim().is_empty() {
            return Err(self.invalid(&d.version.span(), "the version is empty"));
        }
        for url in [&d.context, &d.schema] {
            if !is_absolute_iri(url.get_ref()) {
                return Err(self.invalid(
                    &url.span(),
                    format!("`{}` is not an absolute URL", url.get_ref()),
                ));
            }
        }
        let valid_for = match &d.valid_for {
            Some(v) => Some(parse_validity(v.get_ref()).ok_or_else(|| {
                self.invalid(
                    &v.span(),
                    format!(
                        "`{}` is not a period such as `P10Y`, `P6M` or `P1Y6M`",
                        v.get_ref()
                    ),
                )
            })?),
            None => None,
        };
        Ok(Document {
            type_name: d.type_name.get_ref().clone(),
            version: d.version.get_ref().clone(),
            label: self.label(d.label.as_ref(), "the document", &raw.span())?,
            context_url: d.context.get_ref().clone(),
            schema_url: d.schema.get_ref().clone(),
            valid_for,
        })
    }

    pub(super) fn vocabulary(&self, raw: &RawProfile) -> Result<Vocabulary, ProfileError> {
        let v = &raw.vocabulary;
        let mut prefixes = BTreeMap::new();
        for (name, iri) in &v.prefixes {
            if !is_identifier(name.get_ref()) {
                return Err(self.invalid(
                    &name.span(),
                    format!("`{}` is not a prefix name", name.get_ref()),
                ));
            }
            if !is_absolute_iri(iri.get_ref()) {
                return Err(self.invalid(
                    &iri.span(),
                    format!("`{}` is not an absolute IRI", iri.get_ref()),
                ));
            }
            prefixes.insert(name.get_ref().as_str(), iri.get_ref().as_str());
        }
        let mut terms = BTreeMap::new();
        for (term, iri) in &v.terms {
            let name = term.get_ref();
            if !is_term(name) {
                return Err(self.invalid(
                    &term.span(),
                    format!(
                        "`{name}` is not a term (a letter or `_`, then letters, digits or `_`)"
                    ),
                ));
            }
            let expanded = match iri.get_ref().split_once(':') {
                Some((prefix, rest))
                    if prefixes.contains_key(prefix) && !rest.starts_with("//") =>
                {
                    format!("{}{rest}", prefixes[prefix])
                }
                _ => iri.get_ref().clone(),
            };
            if !is_absolute_iri(&expanded) {
                return Err(self.invalid(
                    &iri.span(),
                    format!(
                        "`{}` is not an absolute IRI nor `prefix:name` of a declared prefix",
                        iri.get_ref()
                    ),
                ));
            }
            match protected(name) {
                Some(Some(same)) if same == expanded => {}
                Some(Some(same)) => {
                    return Err(self.err(
                        &term.span(),
                        Reason::ProtectedTerm {
                            term: name.clone(),
                            detail: format!(
                                " (it is `{same}` there; only an identical definition is allowed)"
                            ),
                        },
                    ));
                }
                Some(None) => {
                    return Err(self.err(
                        &term.span(),
                        Reason::ProtectedTerm {
                            term: name.clone(),
                            detail: String::new(),
                        },
                    ));
                }
                None => {}
            }
            terms.insert(name.clone(), expanded);
        }
        Ok(Vocabulary { terms })
    }

    pub(super) fn enums(
        &self,
        raw: &BTreeMap<Spanned<String>, Spanned<RawEnum>>,
    ) -> Result<BTreeMap<String, Enumeration>, ProfileError> {
        let mut enums = BTreeMap::new();
        for (name, e) in raw {
            if !is_identifier(name.get_ref()) {
                return Err(self.invalid(
                    &name.span(),
                    format!(
                        "`{}` is not an enum name (letters, digits, `_`, `-`)",
                        name.get_ref()
                    ),
                ));
            }
            let mut values: Vec<EnumValue> = Vec::new();
            if let Some(v) = e.get_ref().values.get(MAX_MEMBERS) {
                return Err(self.invalid(
                    &v.span(),
                    format!(
                        "enum `{}` has more than {MAX_MEMBERS} values",
                        name.get_ref()
                    ),
                ));
            }
            if e.get_ref().values.is_empty() {
                return Err(self.invalid(
                    &name.span(),
                    format!("enum `{}` has no values", name.get_ref()),
                ));
            }
            for v in &e.get_ref().values {
                let code = v.get_ref().code.get_ref();
                if code.is_empty() {
                    return Err(self.invalid(&v.get_ref().code.span(), "an enum code is empty"));
                }
                if values.iter().any(|x| x.code == *code) {
                    return Err(self.invalid(
                        &v.get_ref().code.span(),
                        format!("code `{code}` is listed twice in enum `{}`", name.get_ref()),
                    ));
                }
                let label = self.label(
                    v.get_ref().label.as_ref(),
                    &format!("value `{code}` of enum `{}`", name.get_ref()),
                    &v.get_ref().code.span(),
                )?;
                values.push(EnumValue {
                    code: code.clone(),
                    label,
                });
            }
            enums.insert(
                name.get_ref().clone(),
                Enumeration {
                    name: name.get_ref().clone(),
                    values,
                },
            );
        }
        Ok(enums)
    }
}
