//! Input errors as the terminal shows them: the message, the file and
//! position, the source line and a caret under the offending span.

use crate::error::Error;

/// `error: ...` with the source line and a caret under the offending span.
pub fn render_error(e: &Error, source: &str, name: &str) -> String {
    let (line, column, width) = e.location();
    let text = crate::parse::source_lines(source)
        .nth(line.saturating_sub(1))
        .unwrap_or("");
    // Invisible characters are shown as one visible character each, so the caret still fits.
    let text: String = text
        .chars()
        .map(|c| {
            if crate::parse::is_invisible(c) {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect();
    let gutter = line.to_string().len();
    format!(
        "error: {e}\n{:gutter$}--> {name}:{line}:{column}\n{:gutter$} |\n{line} | {text}\n{:gutter$} | {}{}\n",
        "",
        "",
        "",
        " ".repeat(column.saturating_sub(1)),
        "^".repeat(width.max(1)),
    )
}
