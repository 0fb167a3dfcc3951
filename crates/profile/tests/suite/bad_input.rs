//! Every mistake in a profile file is reported with the file, the line and the reason.

use civitas_profile::{MAX_PROFILE_BYTES, Profile, ProfileError, Reason};

/// A small valid profile the cases below break one line at a time.
const BASE: &str = r#"format = 1

[document]
type = "Thing"
version = "1.0.0"
label = { en = "Thing", fr = "Chose" }
context = "https://w3id.org/civitas/thing/v1"
schema = "https://w3id.org/civitas/thing/v1/thing.schema.json"

[vocabulary.prefixes]
civitas = "https://w3id.org/civitas/vocab#"

[vocabulary.terms]
Thing = "civitas:Thing"
Item = "civitas:Item"
title = "civitas:title"
day = "civitas:day"
later = "civitas:later"
colour = "civitas:colour"
items = "civitas:item"

[enums.colour]
values = [
    { code = "R", label = { en = "Red", fr = "Rouge" } },
    { code = "G", label = { en = "Green", fr = "Vert" } },
]

[subject]
class = "Thing"

[[subject.fields]]
key = "title"
kind = "text"
required = true
label = { en = "Title", fr = "Titre" }

[[subject.fields]]
key = "day"
kind = "date"
label = { en = "Day", fr = "Jour" }

[[subject.fields]]
key = "later"
kind = "date"
label = { en = "Later", fr = "Plus tard" }

[[subject.fields]]
key = "colour"
kind = "enum"
enum = "colour"
label = { en = "Colour", fr = "Couleur" }

[[subject.fields]]
key = "items"
kind = "list"
type = "item"
label = { en = "Items", fr = "Éléments" }

[types.item]
class = "Item"

[[types.item.fields]]
key = "title"
kind = "text"
label = { en = "Title", fr = "Titre" }

[[rules]]
rule = "before"
field = "day"
other = "later"

[cv1]
document = 9

[cv1.keys]
type = 1
title = 2
day = 3
later = 4
colour = 5
items = 6

[cv1.types]
Thing = 1
Item = 2

[certificate]
title = { en = "Thing", fr = "Chose" }

[[certificate.sections]]
title = { en = "Thing", fr = "Chose" }
fields = ["title", "day", "items[].title"]
"#;

/// `BASE` with `from` replaced by `to` (which must occur once).
fn with(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "`{from}` occurs once in BASE"
    );
    BASE.replacen(from, to, 1)
}

/// The 1-based line of the first line of `text` containing `needle` (after `after`, a line).
fn line_of(text: &str, needle: &str, after: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(after)
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` not found"))
}

fn error(text: &str) -> ProfileError {
    match Profile::from_toml(text, "thing.toml") {
        Ok(_) => panic!("accepted"),
        Err(e) => e,
    }
}

#[test]
fn the_base_profile_loads() {
    let p = Profile::from_toml(BASE, "thing.toml").unwrap();
    assert_eq!(p.document.type_name, "Thing");
    assert_eq!(p.subject.fields.len(), 5);
    // Without a [sample], the generated one has the right shape; it may break rules (here both
    // dates are the same day).
    let errors = p.validate(&p.sample());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("is not before later"));
}

#[test]
fn a_toml_syntax_error_names_its_line() {
    let text = with("key = \"day\"", "key = \"day");
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "key = \"day", 0));
    assert!(matches!(*e.reason, Reason::Toml(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("thing.toml:{}:", e.line)),
        "{e}"
    );
    // Not the shape of a profile: an unknown key is a TOML error too, at its line.
    let text = with(
        "kind = \"date\"\nlabel = { en = \"Day\"",
        "kind = \"date\"\ncolor = \"red\"\nlabel = { en = \"Day\"",
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "color = ", 0));
    assert!(
        matches!(&*e.reason, Reason::Toml(m) if m.contains("color")),
        "{e}"
    );
}

#[test]
fn an_unknown_kind_names_its_line_and_the_kinds() {
    let text = with(
        "key = \"day\"\nkind = \"date\"",
        "key = \"day\"\nkind = \"datum\"",
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "kind = \"datum\"", 0));
    match &*e.reason {
        Reason::UnknownKind { kind, known } => {
            assert_eq!(kind, "datum");
            assert!(known.contains("date-time") && known.contains("language-map"));
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_field_key_used_twice_names_both_lines() {
    let text = with("key = \"later\"", "key = \"day\"");
    let e = error(&text);
    let first = line_of(&text, "key = \"day\"", 0);
    assert_eq!(e.line, line_of(&text, "key = \"day\"", first));
    assert_eq!(
        *e.reason,
        Reason::DuplicateField {
            key: "day".into(),
            owner: "subject".into(),
            first_line: first
        }
    );
}

#[test]
fn a_missing_english_or_french_label_names_its_line() {
    // A field's French label.
    let text = with(
        "label = { en = \"Day\", fr = \"Jour\" }",
        "label = { en = \"Day\" }",
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "label = { en = \"Day\" }", 0));
    assert!(
        matches!(&*e.reason, Reason::MissingLabel { what, language } if language == "fr" && what.contains("day")),
        "{e}"
    );
    // A field without a label at all: at its key.
    let text = with("label = { en = \"Later\", fr = \"Plus tard\" }\n", "");
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "key = \"later\"", 0));
    assert!(
        matches!(&*e.reason, Reason::MissingLabel { language, .. } if language == "en"),
        "{e}"
    );
    // An enumeration value's English label.
    let text = with(
        "label = { en = \"Green\", fr = \"Vert\" }",
        "label = { fr = \"Vert\" }",
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "code = \"G\"", 0));
    assert!(
        matches!(&*e.reason, Reason::MissingLabel { what, language } if language == "en" && what.contains("`G`")),
        "{e}"
    );
    // A certificate section's title.
    let text = with(
        "title = { en = \"Thing\", fr = \"Chose\" }\nfields",
        "title = { en = \"Thing\", fr = \"\" }\nfields",
    );
    let e = error(&text);
    assert!(
        matches!(&*e.reason, Reason::MissingLabel { language, .. } if language == "fr"),
        "{e}"
    );
    assert_eq!(e.line, line_of(&text, "fr = \"\"", 0));
}

#[test]
fn a_cv1_key_used_twice_names_its_line() {
    let text = with("later = 4", "later = 2");
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "later = 2", 0));
    assert_eq!(
        *e.reason,
        Reason::Cv1KeyReused {
            key: 2,
            first: "title".into(),
            second: "later".into()
        }
    );
    // A member without a key.
    let text = with("colour = 5\n", "");
    let e = error(&text);
    assert!(e.to_string().contains("`colour` has no CV1 key"), "{e}");
    assert_eq!(e.line, line_of(&text, "[cv1]", 0));
}

#[test]
fn a_rule_naming_a_missing_field_or_a_field_of_the_wrong_kind_names_its_line() {
    let text = with("other = \"later\"", "other = \"latter\"");
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "other = \"latter\"", 0));
    assert!(
        matches!(&*e.reason, Reason::RuleUnknownField { rule, path, detail }
        if rule == "before" && path == "latter" && detail.contains("no field `latter`")),
        "{e}"
    );
    // Through a list without `[]`.
    let text = with("field = \"day\"", "field = \"items.title\"");
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "items.title", 0));
    assert!(
        matches!(&*e.reason, Reason::RuleUnknownField { detail, .. } if detail.contains("items[]")),
        "{e}"
    );
    // "before" on a text field.
    let text = with("field = \"day\"", "field = \"title\"");
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "field = \"title\"", 0));
    assert_eq!(
        *e.reason,
        Reason::RuleWrongKind {
            rule: "before".into(),
            path: "title".into(),
            found: "a text".into(),
            expected: "a date or a date-time".into()
        }
    );
    // "sum" on dates.
    let text = with(
        "rule = \"before\"\nfield = \"day\"\nother = \"later\"",
        "rule = \"sum\"\nof = [\"day\"]\ntotal = \"later\"",
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "of = [\"day\"]", 0));
    assert!(
        matches!(&*e.reason, Reason::RuleWrongKind { expected, .. } if expected == "an amount"),
        "{e}"
    );
}

#[test]
fn a_vocabulary_term_redefining_a_vc2_term_names_its_line() {
    for term in [
        "issuer",
        "validFrom",
        "credentialSubject",
        "id",
        "proof",
        "type",
    ] {
        let text = with(
            "title = \"civitas:title\"",
            &format!("title = \"civitas:title\"\n{term} = \"civitas:{term}\""),
        );
        let e = error(&text);
        assert_eq!(
            e.line,
            line_of(&text, &format!("{term} = \"civitas:"), 0),
            "{term}"
        );
        assert!(
            matches!(&*e.reason, Reason::ProtectedTerm { term: t, .. } if t == term),
            "{e}"
        );
    }
    // `name` may be redefined identically (as the civil-registry context does), not otherwise.
    let same = with(
        "title = \"civitas:title\"",
        "title = \"civitas:title\"\nname = \"https://schema.org/name\"",
    );
    assert!(Profile::from_toml(&same, "thing.toml").is_ok());
    let text = with(
        "title = \"civitas:title\"",
        "title = \"civitas:title\"\nname = \"civitas:name\"",
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "name = \"civitas:name\"", 0));
    assert!(e.to_string().contains("https://schema.org/name"), "{e}");
}

#[test]
fn a_type_containing_itself_names_its_line() {
    // Directly.
    let text = with(
        "[[types.item.fields]]\nkey = \"title\"",
        "[[types.item.fields]]\nkey = \"items\"\nkind = \"list\"\ntype = \"item\"\nlabel = { en = \"Parts\", fr = \"Parties\" }\n\n[[types.item.fields]]\nkey = \"title\"",
    );
    let e = error(&text);
    let type_line = line_of(&text, "type = \"item\"", line_of(&text, "[types.item]", 0));
    assert_eq!(e.line, type_line - 1, "the line of its kind");
    assert_eq!(
        *e.reason,
        Reason::Cycle {
            cycle: "item.items -> item".into()
        }
    );
    // Through another type, optional fields included.
    let text = with(
        "[[types.item.fields]]\nkey = \"title\"",
        "[[types.item.fields]]\nkey = \"items\"\nkind = \"object\"\ntype = \"part\"\nlabel = { en = \"Part\", fr = \"Partie\" }\n\n[types.part]\n[[types.part.fields]]\nkey = \"items\"\nkind = \"object\"\ntype = \"item\"\nlabel = { en = \"Item\", fr = \"Élément\" }\n\n[[types.item.fields]]\nkey = \"title\"",
    );
    let e = error(&text);
    assert!(
        matches!(&*e.reason, Reason::Cycle { cycle } if cycle == "item.items -> part.items -> item"),
        "{e}"
    );
    assert_eq!(
        e.line,
        line_of(
            &text,
            "kind = \"object\"",
            line_of(&text, "[types.part]", 0)
        )
    );
}

#[test]
fn a_file_over_1_mib_is_refused_before_it_is_read() {
    let mut text = BASE.to_owned();
    text.push('#');
    text.push_str(&"x".repeat(MAX_PROFILE_BYTES as usize));
    let e = error(&text);
    assert_eq!(e.line, 0);
    assert_eq!(
        *e.reason,
        Reason::TooLarge {
            size: text.len() as u64,
            limit: MAX_PROFILE_BYTES
        }
    );
    let dir = std::env::temp_dir().join(format!("civitas-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.toml");
    // A sparse file: its size is known without writing (or reading) a mebibyte.
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(64 * MAX_PROFILE_BYTES).unwrap();
    let e = Profile::load(&big).unwrap_err();
    assert_eq!(e.origin, big.display().to_string());
    assert!(
        matches!(*e.reason, Reason::TooLarge { size, .. } if size == 64 * MAX_PROFILE_BYTES),
        "{e}"
    );
    // A file with a mistake is named by its path.
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        with(
            "kind = \"date\"\nlabel = { en = \"Day\"",
            "kind = \"when\"\nlabel = { en = \"Day\"",
        ),
    )
    .unwrap();
    let e = Profile::load(&bad).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(&format!("{}:{}:", bad.display(), e.line)),
        "{e}"
    );
    assert!(matches!(*e.reason, Reason::UnknownKind { .. }));
    let missing = Profile::load(dir.join("missing.toml")).unwrap_err();
    assert!(matches!(*missing.reason, Reason::Io(_)));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn other_inconsistencies_are_refused_with_their_line() {
    let cases: [(&str, &str, &str, &str); 10] = [
        (
            "enum = \"colour\"",
            "enum = \"color\"",
            "enum = \"color\"",
            "no enum `color`",
        ),
        (
            "type = \"item\"",
            "type = \"items\"",
            "type = \"items\"",
            "no object type `items`",
        ),
        (
            "kind = \"text\"\nrequired = true",
            "kind = \"text\"\npattern = \"x\"\nrequired = true",
            "pattern = \"x\"",
            "does not apply",
        ),
        (
            "format = 1",
            "format = 2",
            "format = 2",
            "format 2 is not supported",
        ),
        (
            "later = \"civitas:later\"\n",
            "",
            "key = \"later\"",
            "not a vocabulary term",
        ),
        (
            "fields = [\"title\", \"day\", \"items[].title\"]",
            "fields = [\"title\", \"dday\"]",
            "dday",
            "not a field",
        ),
        (
            "rule = \"before\"",
            "rule = \"sooner\"",
            "rule = \"sooner\"",
            "unknown rule",
        ),
        (
            "key = \"later\"\nkind = \"date\"",
            "key = \"later\"\nkind = \"identifier\"\npattern = \"(\"",
            "pattern = \"(\"",
            "does not compile",
        ),
        (
            "key = \"later\"\nkind = \"date\"",
            "key = \"type\"\nkind = \"date\"",
            "key = \"type\"",
            "implied by the object's `class`",
        ),
        (
            "version = \"1.0.0\"",
            "version = \"1.0.0\"\nvalid_for = \"ten years\"",
            "valid_for",
            "not a period",
        ),
    ];
    for (from, to, needle, reason) in cases {
        let text = with(from, to);
        let e = error(&text);
        assert_eq!(e.line, line_of(&text, needle, 0), "{to}: {e}");
        assert!(e.to_string().contains(reason), "{to}: {e}");
    }
}

#[test]
fn a_sample_that_does_not_validate_is_refused() {
    let text = format!(
        "{BASE}\n[sample]\ntitle = \"A thing\"\nday = \"2024-02-02\"\nlater = \"2024-02-01\"\n"
    );
    let e = error(&text);
    assert_eq!(e.line, line_of(&text, "[sample]", 0));
    assert!(
        e.to_string()
            .contains("/day: 2024-02-02 is not before later"),
        "{e}"
    );
    let good = text.replace("2024-02-01", "2024-03-01");
    let p = Profile::from_toml(&good, "thing.toml").unwrap();
    assert_eq!(p.sample()["type"], "Thing", "the class is filled in");
}

#[test]
fn objects_nest_at_most_six_deep() {
    let mut types = String::new();
    for i in 0..7 {
        types.push_str(&format!(
            "\n[types.t{i}]\n[[types.t{i}.fields]]\nkey = \"title\"\nkind = \"text\"\nlabel = {{ en = \"T\", fr = \"T\" }}\n"
        ));
        if i < 6 {
            types.push_str(&format!(
                "[[types.t{i}.fields]]\nkey = \"deep\"\nkind = \"object\"\ntype = \"t{}\"\nlabel = {{ en = \"T\", fr = \"T\" }}\n",
                i + 1
            ));
        }
    }
    let field = "[[subject.fields]]\nkey = \"deep\"\nkind = \"object\"\ntype = \"t0\"\nlabel = { en = \"T\", fr = \"T\" }\n\n[[subject.fields]]\nkey = \"items\"";
    let text = with("[[subject.fields]]\nkey = \"items\"", field)
        .replace("[types.item]", &format!("{types}\n[types.item]"));
    let e = error(&text);
    assert!(
        e.to_string()
            .contains("objects nest 7 deep below the subject: at most 6"),
        "{e}"
    );
    assert_eq!(e.line, line_of(&text, "[subject]", 0));
}
