//! The verifier page itself: the form (a file, a text, the camera button the script shows),
//! the offline section the script fills, and above them, after a `POST`, the result or what
//! was wrong with the upload.

use axum::http::StatusCode;

use super::upload::{MAX_BODY_BYTES, MAX_TEXT_BYTES, UploadError};
use crate::html::escape;
use crate::lang::Lang;
use crate::layout::{Nav, Page};

/// The page's path.
pub const PATH: &str = "/verify";

/// The `accept` list of the file input.
pub const ACCEPT: &str = "image/png,image/jpeg,application/pdf,application/json,.json,.jwt,.txt";

/// The theme colour (the header's), for `<meta name="theme-color">` and the manifest.
pub const THEME_COLOR: &str = "#00466e";

/// What goes above the form.
#[derive(Debug, Clone, Default)]
pub enum Above {
    /// Nothing: the page as first opened.
    #[default]
    Nothing,
    /// A result section (HTML, escaped).
    Result(String),
    /// A problem with the upload (HTML, escaped), shown in the result section.
    Problem(String),
    /// Nothing was given: the form says so next to its fields.
    NothingGiven,
}

/// The page in `lang` with `above` above the form, answered with `status`.
pub fn page(lang: Lang, above: Above, status: StatusCode) -> Page {
    let (top, form_error) = match above {
        Above::Nothing => (String::new(), false),
        Above::Result(html) => (html, false),
        Above::Problem(html) => (
            format!(
                "<section id=\"result\" aria-live=\"polite\" aria-label=\"{}\">\
                 <div class=\"alert\" id=\"read-problem\">{html}</div></section>",
                lang.pick("Result", "Résultat")
            ),
            false,
        ),
        Above::NothingGiven => (String::new(), true),
    };
    let main = format!("{top}{}{}", form(lang, form_error), offline(lang));
    Page::new(
        lang,
        Nav::Verifier,
        PATH,
        lang.pick("Check a document", "Vérifier un document"),
    )
    .head(&format!(
        "<link rel=\"manifest\" href=\"/verify/manifest.webmanifest\">\n\
         <meta name=\"theme-color\" content=\"{THEME_COLOR}\">\n\
         <link rel=\"icon\" href=\"/assets/icon.svg\" type=\"image/svg+xml\">\n\
         <link rel=\"apple-touch-icon\" href=\"/assets/icon-192.png\">\n\
         <link rel=\"stylesheet\" href=\"/assets/verify.css\">\n"
    ))
    .script("/assets/verify-app.js")
    .main(main)
    .status(status)
}

/// The form, its heading inside (so that a result the script adds before the form comes
/// before the heading too); with `nothing_given`, the error that neither a file nor a text was given, linked
/// to both fields.
fn form(lang: Lang, nothing_given: bool) -> String {
    let (invalid, error_id, error) = if nothing_given {
        (
            " aria-invalid=\"true\"",
            " form-error",
            format!(
                "<p id=\"form-error\" class=\"field-error\" role=\"alert\">{}</p>",
                lang.pick(
                    "Choose a file or paste a text to check.",
                    "Choisissez un fichier ou collez un texte à vérifier.",
                )
            ),
        )
    } else {
        ("", "", String::new())
    };
    format!(
        "<form id=\"verify-form\" method=\"post\" action=\"{PATH}\" enctype=\"multipart/form-data\" \
         aria-labelledby=\"form-heading\">\
         <h2 id=\"form-heading\">{heading}</h2>\
         <p class=\"hint\">{intro}</p>{error}\
         <input type=\"hidden\" name=\"lang\" value=\"{code}\">\
         <label for=\"document\">{file_label}</label>\
         <p class=\"hint\" id=\"document-hint\">{file_hint}</p>\
         <input type=\"file\" id=\"document\" name=\"document\" accept=\"{ACCEPT}\" \
         aria-describedby=\"document-hint{error_id}\"{invalid}>\
         <label for=\"text\">{text_label}</label>\
         <p class=\"hint\" id=\"text-hint\">{text_hint}</p>\
         <textarea id=\"text\" name=\"text\" rows=\"6\" spellcheck=\"false\" autocomplete=\"off\" \
         autocapitalize=\"off\" aria-describedby=\"text-hint{error_id}\"{invalid}></textarea>\
         <div class=\"actions\">\
         <button type=\"submit\" id=\"verify-button\">{verify}</button> \
         <button type=\"button\" id=\"scan\" class=\"secondary\" hidden>{scan}</button>\
         </div>\
         <video id=\"camera\" hidden playsinline muted aria-label=\"{camera}\"></video>\
         </form>",
        heading = lang.pick("Document to check", "Document à vérifier"),
        intro = lang.pick(
            "Give a photo or a scan of the document's QR code, its PDF, or its credential file, \
             or paste its text. Nothing you give is kept.",
            "Donnez une photo ou un scan du code QR du document, son PDF ou son fichier \
             d'attestation, ou collez son texte. Rien de ce que vous donnez n'est conservé.",
        ),
        code = lang.code(),
        file_label = lang.pick("Photo, scan, PDF or file", "Photo, scan, PDF ou fichier"),
        file_hint = lang.pick(
            "A PNG or JPEG image of the QR code, the certificate's PDF, or a credential file \
             (JSON, vc+jwt, SD-JWT). 16 MiB at most.",
            "Une image PNG ou JPEG du code QR, le PDF du certificat, ou un fichier \
             d'attestation (JSON, vc+jwt, SD-JWT). 16 Mio au plus.",
        ),
        text_label = lang.pick("Or paste a text", "Ou collez un texte"),
        text_hint = lang.pick(
            "The QR code's text (CV1:…), a JSON credential, a vc+jwt or an SD-JWT.",
            "Le texte du code QR (CV1:…), une attestation JSON, un vc+jwt ou un SD-JWT.",
        ),
        verify = lang.pick("Check", "Vérifier"),
        scan = lang.pick(
            "Scan the QR code with the camera",
            "Scanner le code QR avec la caméra"
        ),
        camera = lang.pick("Camera view", "Image de la caméra"),
    )
}

/// The offline section and the install button, hidden until the script shows them.
fn offline(lang: Lang) -> String {
    format!(
        "<section id=\"offline\" hidden aria-labelledby=\"offline-heading\">\
         <h2 id=\"offline-heading\">{heading}</h2>\
         <p id=\"bundle-age\"></p></section>\
         <p><button type=\"button\" id=\"install\" class=\"secondary\" hidden>{install}</button></p>",
        heading = lang.pick("Offline checking", "Vérification hors ligne"),
        install = lang.pick(
            "Install this page as an app",
            "Installer cette page comme application"
        ),
    )
}

/// What the page says about an upload it could not read.
pub fn upload_problem(error: &UploadError, lang: Lang) -> String {
    let mib = |bytes: usize| bytes / (1024 * 1024);
    let (title, detail) = match error {
        UploadError::TooLarge { .. } => (
            lang.pick(
                "This upload is too large.",
                "Cet envoi est trop volumineux.",
            ),
            format!(
                "{} {} {}",
                lang.pick("The page accepts", "La page accepte"),
                mib(MAX_BODY_BYTES),
                lang.pick(
                    "MiB at most: give a smaller photo (the QR code alone is enough) or the \
                     credential file.",
                    "Mio au plus : donnez une photo plus petite (le code QR seul suffit) ou le \
                     fichier d'attestation.",
                )
            ),
        ),
        UploadError::TextTooLong { .. } => (
            lang.pick("This text is too long.", "Ce texte est trop long."),
            format!(
                "{} {} {}",
                lang.pick("A pasted text may hold", "Un texte collé peut contenir"),
                mib(MAX_TEXT_BYTES),
                lang.pick(
                    "MiB at most: no credential is longer.",
                    "Mio au plus : aucune attestation n'est plus longue.",
                )
            ),
        ),
        UploadError::Malformed(why) | UploadError::Unreadable(why) => (
            lang.pick(
                "The form could not be read.",
                "Le formulaire n'a pas pu être lu.",
            ),
            format!(
                "{} ({}) {}",
                lang.pick("What was wrong:", "Ce qui n'allait pas :"),
                why,
                lang.pick("Send it again.", "Envoyez-le de nouveau.")
            ),
        ),
        UploadError::NotAForm(what) => (
            lang.pick(
                "This is not the page's form.",
                "Ce n'est pas le formulaire de la page.",
            ),
            format!(
                "{} {what}.",
                lang.pick(
                    "Send the form below (multipart/form-data or \
                     application/x-www-form-urlencoded); this request's Content-Type is",
                    "Envoyez le formulaire ci-dessous (multipart/form-data ou \
                     application/x-www-form-urlencoded) ; le Content-Type de cette requête est",
                )
            ),
        ),
    };
    format!("<p><strong>{title}</strong></p><p>{}</p>", escape(&detail))
}

/// What the page says about a PDF sent without the script (which reads PDFs in the browser).
pub fn pdf_problem(lang: Lang) -> String {
    format!(
        "<p><strong>{}</strong></p><p>{}</p>",
        lang.pick(
            "This is a PDF: it was not checked.",
            "C'est un PDF : il n'a pas été vérifié.",
        ),
        lang.pick(
            "This page reads a PDF in your browser, which needs JavaScript. Without it, give a \
             photo or a scan (a PNG or JPEG image) of the QR code printed on the document, or \
             the credential file; or open this page with JavaScript turned on.",
            "Cette page lit un PDF dans votre navigateur, ce qui demande JavaScript. Sans lui, \
             donnez une photo ou un scan (une image PNG ou JPEG) du code QR imprimé sur le \
             document, ou le fichier d'attestation ; ou ouvrez cette page avec JavaScript \
             activé.",
        ),
    )
}

/// The note shown when both a file and a text were given: the file was checked.
pub fn both_given_note(lang: Lang) -> String {
    format!(
        "<p class=\"notice\" id=\"both-given\">{}</p>",
        lang.pick(
            "You gave a file and a text: the file was checked, the text was not.",
            "Vous avez donné un fichier et un texte : le fichier a été vérifié, pas le texte.",
        )
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_has_the_ids_the_script_and_the_tests_use() {
        let html = page(Lang::Fr, Above::NothingGiven, StatusCode::BAD_REQUEST).to_html();
        for needle in [
            "<form id=\"verify-form\" method=\"post\" action=\"/verify\" enctype=\"multipart/form-data\"",
            "<input type=\"file\" id=\"document\" name=\"document\" accept=\"image/png,image/jpeg,application/pdf,application/json,.json,.jwt,.txt\"",
            "<textarea id=\"text\" name=\"text\"",
            "<input type=\"hidden\" name=\"lang\" value=\"fr\">",
            "id=\"verify-button\"",
            "<button type=\"button\" id=\"scan\" class=\"secondary\" hidden>",
            "<video id=\"camera\" hidden",
            "<section id=\"offline\" hidden",
            "<p id=\"bundle-age\"></p>",
            "id=\"install\"",
            "<link rel=\"manifest\" href=\"/verify/manifest.webmanifest\">",
            "<meta name=\"theme-color\"",
            "src=\"/assets/verify-app.js\"",
            "aria-describedby=\"text-hint form-error\" aria-invalid=\"true\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
    }
}
