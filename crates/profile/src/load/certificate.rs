//! The `[certificate]` table: title and sections.

use super::*;

impl Loader<'_> {
    pub(super) fn certificate(
        &self,
        c: &RawCertificate,
        span: &Range<usize>,
        profile: &Profile,
    ) -> Result<Certificate, ProfileError> {
        let title = self.label(c.title.as_ref(), "the certificate title", span)?;
        let mut sections = Vec::new();
        for (i, s) in c.sections.iter().enumerate() {
            let what = format!("certificate section {}", i + 1);
            let title = self.label(s.get_ref().title.as_ref(), &what, &s.span())?;
            let mut fields = Vec::new();
            for text in &s.get_ref().fields {
                let unknown = |detail: String| {
                    self.invalid(
                        &text.span(),
                        format!("{what}: `{}` is not a field ({detail})", text.get_ref()),
                    )
                };
                let path =
                    FieldPath::parse(text.get_ref()).ok_or_else(|| unknown("not a path".into()))?;
                profile.resolve(&path).map_err(unknown)?;
                fields.push(path);
            }
            sections.push(crate::format::Section { title, fields });
        }
        let mut summary_pieces = Vec::new();
        let summary = match &c.summary {
            Some(raw) => {
                let label = self.label(Some(raw), "the certificate summary", span)?;
                for (language, text) in &label.texts {
                    let pieces = crate::summary::parse(text)
                        .map_err(|e| self.invalid(&raw.span(), format!("summary: {e}")))?;
                    summary_pieces.push((language.clone(), pieces.clone()));
                    for piece in pieces {
                        if let crate::summary::Piece::Field(path) = piece {
                            profile.resolve(&path).map_err(|e| {
                                self.invalid(
                                    &raw.span(),
                                    format!("summary: `{{{path}}}` is not a field ({e})"),
                                )
                            })?;
                        }
                    }
                }
                Some(label)
            }
            None => None,
        };
        Ok(Certificate {
            title,
            summary,
            sections,
            summary_pieces,
        })
    }
}
