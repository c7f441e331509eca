//! Input errors that name the place, so a caller can prefix a file name and an index.

use std::fmt;

/// One problem in user input, at a path such as `trips[3].end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where: `trips[3].end`, `thematic.min_days`, or empty for the whole document.
    pub path: String,
    /// What is wrong, in English (the CLI is an HQ tool; the app shows its own form errors).
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in one document (a policy or a dossier), in document order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputErrors(pub Vec<FieldError>);

impl InputErrors {
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        InputErrors(vec![FieldError::new(path, message)])
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }
}

impl fmt::Display for InputErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Collects errors while walking a document.
#[derive(Default)]
pub(crate) struct Errors(pub Vec<FieldError>);

impl Errors {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(path, message));
    }

    pub fn finish(self) -> Result<(), InputErrors> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(InputErrors(self.0))
        }
    }
}

/// Parses JSON into `T`, naming the path of the first error (`trips[2].start: …`).
pub fn from_json_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, InputErrors> {
    let de = &mut serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok(v),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            Err(InputErrors::single(path, e.into_inner().to_string()))
        }
    }
}
