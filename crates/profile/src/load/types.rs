//! Object types and their fields: kinds and options, references, roles, cycles, nesting
//! depth, and the vocabulary terms they use.

use super::*;

impl Loader<'_> {
    pub(super) fn object_type(
        &self,
        name: &str,
        owner: &str,
        raw: &RawType,
        span: &Range<usize>,
        types: &BTreeMap<String, Pending<'_>>,
        enums: &BTreeMap<String, Enumeration>,
    ) -> Result<ObjectType, ProfileError> {
        if raw.fields.is_empty() {
            return Err(self.invalid(span, format!("{owner} has no fields")));
        }
        if let Some(f) = raw.fields.get(MAX_MEMBERS) {
            return Err(self.invalid(
                &f.span(),
                format!("{owner} has more than {MAX_MEMBERS} fields"),
            ));
        }
        if let Some(class) = &raw.class
            && !is_term(class.get_ref())
        {
            return Err(self.invalid(
                &class.span(),
                format!("`{}` is not a class name", class.get_ref()),
            ));
        }
        let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
        let mut fields = Vec::with_capacity(raw.fields.len());
        for f in &raw.fields {
            let f = f.get_ref();
            let key = f.key.get_ref();
            if let Some(first) = seen.get(key.as_str()) {
                return Err(self.err(
                    &f.key.span(),
                    Reason::DuplicateField {
                        key: key.clone(),
                        owner: owner.to_owned(),
                        first_line: *first,
                    },
                ));
            }
            seen.insert(key, self.line(&f.key.span()));
            fields.push(self.field(owner, f, types, enums)?);
        }
        Ok(ObjectType {
            name: name.to_owned(),
            class: raw.class.as_ref().map(|c| c.get_ref().clone()),
            fields,
        })
    }

    pub(super) fn field(
        &self,
        owner: &str,
        f: &RawField,
        types: &BTreeMap<String, Pending<'_>>,
        enums: &BTreeMap<String, Enumeration>,
    ) -> Result<Field, ProfileError> {
        let key = f.key.get_ref();
        let kind_name = f.kind.get_ref().as_str();
        if key == "type" {
            return Err(self.invalid(
                &f.key.span(),
                "`type` is not a field: it is implied by the object's `class`",
            ));
        }
        if key != "id" && !is_term(key) {
            return Err(self.invalid(
                &f.key.span(),
                format!("`{key}` is not a field key (a vocabulary term)"),
            ));
        }
        if !Kind::NAMES.contains(&kind_name) {
            return Err(self.err(
                &f.kind.span(),
                Reason::UnknownKind {
                    kind: kind_name.to_owned(),
                    known: Kind::NAMES.join(", "),
                },
            ));
        }
        if (key == "id") != (kind_name == "did") {
            return Err(self.invalid(
                &f.kind.span(),
                "the field `id` (the object's identifier) is the only one of kind `did`, and it must be",
            ));
        }
        let allowed: &[&str] = match kind_name {
            "text" => &["min_length", "max_length"],
            "enum" => &["enum"],
            "integer" => &["min", "max"],
            "identifier" => &["pattern"],
            "object" | "person" | "place" => &["type"],
            "list" => &["type", "item", "min", "max"],
            _ => &[],
        };
        let given = [
            ("type", f.type_name.as_ref().map(Spanned::span)),
            ("item", f.item.as_ref().map(Spanned::span)),
            ("enum", f.enum_name.as_ref().map(Spanned::span)),
            ("pattern", f.pattern.as_ref().map(Spanned::span)),
            ("min_length", f.min_length.as_ref().map(Spanned::span)),
            ("max_length", f.max_length.as_ref().map(Spanned::span)),
            ("min", f.min.as_ref().map(Spanned::span)),
            ("max", f.max.as_ref().map(Spanned::span)),
        ];
        for (option, span) in given {
            if let Some(span) = span
                && !allowed.contains(&option)
            {
                return Err(self.invalid(
                    &span,
                    format!("`{option}` does not apply to a field of kind `{kind_name}`"),
                ));
            }
        }
        let type_ref = |default: Option<&str>| -> Result<String, ProfileError> {
            let name = match (&f.type_name, default) {
                (Some(t), _) => t.get_ref().clone(),
                (None, Some(d)) => d.to_owned(),
                (None, None) => {
                    return Err(self.invalid(
                        &f.kind.span(),
                        format!(
                            "a field of kind `{kind_name}` names its object type (`type = \"…\"`)"
                        ),
                    ));
                }
            };
            if !types.contains_key(&name) {
                let span = f.type_name.as_ref().map_or(f.kind.span(), Spanned::span);
                return Err(self.invalid(
                    &span,
                    format!(
                        "no object type `{name}` (declare it as [types.{name}]; types: {})",
                        types.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
            Ok(name)
        };
        let kind = match kind_name {
            "text" => {
                let min_length = f.min_length.as_ref().map_or(1, |m| *m.get_ref());
                let max_length = f
                    .max_length
                    .as_ref()
                    .map_or(DEFAULT_MAX_TEXT, |m| *m.get_ref());
                if min_length == 0 || min_length > max_length {
                    let span = f.min_length.as_ref().map_or(f.kind.span(), Spanned::span);
                    return Err(self.invalid(&span, "a text needs 1 <= min_length <= max_length"));
                }
                Kind::Text {
                    min_length,
                    max_length,
                }
            }
            "language-map" => Kind::LanguageMap,
            "date" => Kind::Date,
            "time" => Kind::Time,
            "date-time" => Kind::DateTime,
            "amount" => Kind::Amount,
            "country" => Kind::Country,
            "did" => Kind::Did,
            "enum" => {
                let Some(name) = &f.enum_name else {
                    return Err(self.invalid(
                        &f.kind.span(),
                        "a field of kind `enum` names its enumeration (`enum = \"…\"`)",
                    ));
                };
                if !enums.contains_key(name.get_ref()) {
                    return Err(self.invalid(
                        &name.span(),
                        format!(
                            "no enum `{}` (declare it as [enums.{}])",
                            name.get_ref(),
                            name.get_ref()
                        ),
                    ));
                }
                Kind::Enum {
                    name: name.get_ref().clone(),
                }
            }
            "integer" => {
                let min = f.min.as_ref().map(|m| *m.get_ref());
                let max = f.max.as_ref().map(|m| *m.get_ref());
                if let (Some(lo), Some(hi), Some(span)) = (min, max, f.min.as_ref())
                    && lo > hi
                {
                    return Err(self.invalid(&span.span(), "min is larger than max"));
                }
                Kind::Integer { min, max }
            }
            "identifier" => {
                let Some(p) = &f.pattern else {
                    return Err(self.invalid(
                        &f.kind.span(),
                        "a field of kind `identifier` has a `pattern`",
                    ));
                };
                Kind::Identifier {
                    pattern: self.pattern(p)?,
                }
            }
            "object" => Kind::Object {
                role: Role::Object,
                type_name: type_ref(None)?,
            },
            "person" => Kind::Object {
                role: Role::Person,
                type_name: type_ref(Some("person"))?,
            },
            "place" => Kind::Object {
                role: Role::Place,
                type_name: type_ref(Some("place"))?,
            },
            _ => {
                let role = match f.item.as_ref().map(|i| i.get_ref().as_str()) {
                    None | Some("object") => Role::Object,
                    Some("person") => Role::Person,
                    Some("place") => Role::Place,
                    Some(other) => {
                        let span = f.item.as_ref().map_or(f.kind.span(), Spanned::span);
                        return Err(self.invalid(
                            &span,
                            format!("list items are `object`, `person` or `place`, not `{other}`"),
                        ));
                    }
                };
                let bound = |v: &Option<Spanned<i64>>| -> Result<Option<u64>, ProfileError> {
                    match v {
                        None => Ok(None),
                        Some(s) => u64::try_from(*s.get_ref())
                            .map(Some)
                            .map_err(|_| self.invalid(&s.span(), "a list bound is not negative")),
                    }
                };
                let min = bound(&f.min)?.unwrap_or(0);
                let max = bound(&f.max)?;
                if let (Some(hi), Some(span)) = (max, f.max.as_ref())
                    && (hi < min || hi == 0)
                {
                    return Err(
                        self.invalid(&span.span(), "max must be at least 1 and at least min")
                    );
                }
                Kind::List {
                    role,
                    type_name: type_ref(None)?,
                    min,
                    max,
                }
            }
        };
        let label = self.label(
            f.label.as_ref(),
            &format!("field `{key}` of {owner}"),
            &f.key.span(),
        )?;
        Ok(Field {
            key: key.clone(),
            kind,
            required: f.required,
            label,
            withhold: f.withhold,
            ingest: f.ingest.unwrap_or(true),
        })
    }

    pub(super) fn pattern(&self, p: &Spanned<String>) -> Result<Pattern, ProfileError> {
        let written = p.get_ref();
        let source = if written.starts_with('^') && written.ends_with('$') {
            written.clone()
        } else {
            format!("^(?:{written})$")
        };
        let regex = regex::RegexBuilder::new(&source)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| self.invalid(&p.span(), format!("the pattern does not compile: {e}")))?;
        Ok(Pattern { source, regex })
    }

    /// Each type is used in one role only, and no type contains itself (through any field,
    /// required or not: a schema and a QR table of it would be infinite).
    pub(super) fn check_roles_and_cycles(
        &self,
        subject: &ObjectType,
        types: &BTreeMap<String, ObjectType>,
        raw: &RawProfile,
    ) -> Result<(), ProfileError> {
        let span_of = |owner: Option<&str>, key: &str| -> Range<usize> {
            let t = match owner {
                None => Some(raw.subject.get_ref()),
                Some(o) => raw
                    .types
                    .iter()
                    .find(|(n, _)| n.get_ref() == o)
                    .map(|(_, t)| t.get_ref()),
            };
            t.and_then(|t| t.fields.iter().find(|f| f.get_ref().key.get_ref() == key))
                .map_or(0..0, |f| f.get_ref().kind.span())
        };
        let mut roles: BTreeMap<&str, Role> = BTreeMap::new();
        let all = std::iter::once((None, subject))
            .chain(types.iter().map(|(n, t)| (Some(n.as_str()), t)));
        for (owner, t) in all {
            for f in &t.fields {
                let (role, name) = match &f.kind {
                    Kind::Object { role, type_name }
                    | Kind::List {
                        role, type_name, ..
                    } => (*role, type_name.as_str()),
                    _ => continue,
                };
                match roles.get(name) {
                    Some(r) if *r != role => {
                        return Err(self.invalid(
                            &span_of(owner, &f.key),
                            format!(
                                "type `{name}` is used as a {} here and as a {} elsewhere: a type has one role",
                                role.as_str(),
                                r.as_str()
                            ),
                        ));
                    }
                    _ => {
                        roles.insert(name, role);
                    }
                }
            }
        }
        // Depth-first search; `stack` is the current chain of types.
        fn visit<'t>(
            name: &'t str,
            types: &'t BTreeMap<String, ObjectType>,
            stack: &mut Vec<(&'t str, &'t str)>,
            done: &mut BTreeSet<&'t str>,
        ) -> Option<(Vec<(&'t str, &'t str)>, &'t str)> {
            if done.contains(name) {
                return None;
            }
            let t = types.get(name)?;
            for f in &t.fields {
                let Some(next) = f.kind.type_name() else {
                    continue;
                };
                if let Some(at) = stack.iter().position(|(n, _)| *n == next) {
                    let mut cycle = stack[at..].to_vec();
                    cycle.push((name, f.key.as_str()));
                    return Some((cycle, next));
                }
                if next == name {
                    return Some((vec![(name, f.key.as_str())], next));
                }
                stack.push((name, f.key.as_str()));
                let found = visit(next, types, stack, done);
                stack.pop();
                if found.is_some() {
                    return found;
                }
            }
            done.insert(name);
            None
        }
        let mut done = BTreeSet::new();
        for name in types.keys() {
            let mut stack = Vec::new();
            if let Some((chain, back_to)) = visit(name, types, &mut stack, &mut done) {
                let mut text: Vec<String> = Vec::new();
                for (t, key) in &chain {
                    text.push(format!("{t}.{key}"));
                }
                text.push(back_to.to_owned());
                let (last_type, last_key) = chain.last().copied().unwrap_or((name, ""));
                return Err(self.err(
                    &span_of(Some(last_type), last_key),
                    Reason::Cycle {
                        cycle: text.join(" -> "),
                    },
                ));
            }
        }
        Ok(())
    }

    /// Every member and class is a vocabulary term; a term has one JSON-LD coercion.
    pub(super) fn check_vocabulary_use(
        &self,
        document: &Document,
        vocabulary: &Vocabulary,
        subject: &ObjectType,
        types: &BTreeMap<String, ObjectType>,
        raw: &RawProfile,
    ) -> Result<(), ProfileError> {
        let terms = &raw.vocabulary.terms;
        let term_span = |term: &str| -> Range<usize> {
            terms
                .keys()
                .find(|k| k.get_ref() == term)
                .map_or(0..0, Spanned::span)
        };
        if !vocabulary.terms.contains_key(&document.type_name) {
            return Err(self.invalid(
                &raw.document.get_ref().type_name.span(),
                format!(
                    "the document type `{}` is not a vocabulary term",
                    document.type_name
                ),
            ));
        }
        let mut coercions: BTreeMap<&str, (crate::context::Coercion, String)> = BTreeMap::new();
        let all = std::iter::once((raw.subject.get_ref(), subject)).chain(
            raw.types
                .iter()
                .filter_map(|(n, r)| types.get(n.get_ref()).map(|t| (r.get_ref(), t))),
        );
        let mut amount_span = None;
        for (r, t) in all {
            if let (Some(class), Some(rc)) = (&t.class, &r.class)
                && !vocabulary.terms.contains_key(class)
            {
                return Err(self.invalid(
                    &rc.span(),
                    format!("the class `{class}` is not a vocabulary term"),
                ));
            }
            for (f, rf) in t.fields.iter().zip(&r.fields) {
                if f.key == "id" {
                    continue;
                }
                let span = rf.get_ref().key.span();
                if !vocabulary.terms.contains_key(&f.key) {
                    return Err(self.invalid(
                        &span,
                        format!(
                            "`{}` is not a vocabulary term (add it to [vocabulary.terms])",
                            f.key
                        ),
                    ));
                }
                if f.kind == Kind::Amount {
                    amount_span.get_or_insert(span.clone());
                }
                let coercion = crate::context::coercion(&f.kind);
                let here = format!("{} (line {})", f.kind.name(), self.line(&span));
                if let Some((c, there)) = coercions.get(f.key.as_str()) {
                    if *c != coercion {
                        return Err(self.invalid(
                            &span,
                            format!(
                                "the term `{}` is used as {here} and as {there}: one term has one JSON-LD definition",
                                f.key
                            ),
                        ));
                    }
                } else {
                    coercions.insert(&f.key, (coercion, here));
                }
                if protected(&f.key).is_some() && coercion != crate::context::Coercion::None {
                    return Err(self.err(
                        &term_span(&f.key),
                        Reason::ProtectedTerm {
                            term: f.key.clone(),
                            detail: format!(
                                " (a `{}` field would give it another definition)",
                                f.kind.name()
                            ),
                        },
                    ));
                }
            }
        }
        if let Some(span) = amount_span {
            for member in ["value", "currency"] {
                if !vocabulary.terms.contains_key(member) {
                    return Err(self.invalid(
                        &span,
                        format!("an amount is {{\"value\", \"currency\"}}: the vocabulary needs the term `{member}`"),
                    ));
                }
                if coercions.contains_key(member) {
                    return Err(self.invalid(
                        &span,
                        format!(
                            "`{member}` is a member of every amount and cannot also be a field"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// How deep objects nest below `t` (0: no object fields). Types have no cycles here.
pub(super) fn nesting<'t>(
    t: &'t ObjectType,
    types: &'t BTreeMap<String, ObjectType>,
    memo: &mut BTreeMap<&'t str, usize>,
) -> usize {
    let mut deepest = 0;
    for f in &t.fields {
        let Some((name, inner)) = f.kind.type_name().and_then(|n| types.get_key_value(n)) else {
            continue;
        };
        let d = match memo.get(name.as_str()) {
            Some(d) => *d,
            None => {
                let d = nesting(inner, types, memo);
                memo.insert(name, d);
                d
            }
        };
        deepest = deepest.max(d + 1);
    }
    deepest
}
