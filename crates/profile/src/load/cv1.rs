//! The `[cv1]` table: keys and codes, each given once, for every member and class.

use super::*;

impl Loader<'_> {
    pub(super) fn cv1(
        &self,
        c: &RawCv1,
        span: &Range<usize>,
        profile: &Profile,
    ) -> Result<Cv1Keys, ProfileError> {
        let mut by_key: BTreeMap<u64, &str> = BTreeMap::new();
        let mut keys = BTreeMap::new();
        // In the order the keys are written, so "first" is the one earlier in the file.
        let mut entries: Vec<_> = c.keys.iter().collect();
        entries.sort_by_key(|(_, v)| v.span().start);
        for (member, key) in entries {
            if let Some(first) = by_key.get(key.get_ref()) {
                return Err(self.err(
                    &key.span(),
                    Reason::Cv1KeyReused {
                        key: *key.get_ref(),
                        first: (*first).to_owned(),
                        second: member.get_ref().clone(),
                    },
                ));
            }
            by_key.insert(*key.get_ref(), member.get_ref());
            keys.insert(member.get_ref().clone(), *key.get_ref());
        }
        let members = profile.members();
        for member in &members {
            if !keys.contains_key(member) {
                return Err(self.invalid(
                    span,
                    format!("the member `{member}` has no CV1 key ([cv1.keys])"),
                ));
            }
        }
        for (member, key) in &c.keys {
            if !members.contains(member.get_ref()) {
                return Err(self.invalid(
                    &key.span(),
                    format!(
                        "`{}` has a CV1 key but is no member of this document",
                        member.get_ref()
                    ),
                ));
            }
        }
        let mut types = BTreeMap::new();
        let mut by_code: BTreeMap<u64, &str> = BTreeMap::new();
        let mut entries: Vec<_> = c.types.iter().collect();
        entries.sort_by_key(|(_, v)| v.span().start);
        for (class, code) in entries {
            if let Some(first) = by_code.get(code.get_ref()) {
                return Err(self.err(
                    &code.span(),
                    Reason::Cv1KeyReused {
                        key: *code.get_ref(),
                        first: (*first).to_owned(),
                        second: class.get_ref().clone(),
                    },
                ));
            }
            by_code.insert(*code.get_ref(), class.get_ref());
            types.insert(class.get_ref().clone(), *code.get_ref());
        }
        for class in profile.classes() {
            if !types.contains_key(&class) {
                return Err(self.invalid(
                    span,
                    format!("the class `{class}` has no CV1 type code ([cv1.types])"),
                ));
            }
        }
        // One implied class per member: the QR form omits `type` where the member implies it.
        let mut implied: BTreeMap<&str, &str> = BTreeMap::new();
        for t in std::iter::once(&profile.subject).chain(profile.types.values()) {
            for f in &t.fields {
                let class = f
                    .kind
                    .type_name()
                    .and_then(|n| profile.types.get(n))
                    .and_then(|t| t.class.as_deref());
                if let Some(class) = class {
                    match implied.get(f.key.as_str()) {
                        Some(c) if *c != class => {
                            return Err(self.invalid(
                                span,
                                format!(
                                    "the member `{}` holds a `{c}` in one place and a `{class}` in another: the CV1 form implies one class per member",
                                    f.key
                                ),
                            ));
                        }
                        _ => {
                            implied.insert(&f.key, class);
                        }
                    }
                }
            }
        }
        Ok(Cv1Keys {
            document: *c.document.get_ref(),
            keys,
            types,
        })
    }
}
