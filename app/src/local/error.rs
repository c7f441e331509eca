//! What can go wrong with the device's own store, in the words the cadre reads.

use shared::doc::CadreCodeError;
use shared::form::Checked;

/// An error of the local store. Every message is a Vietnamese sentence for the cadre.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocalError {
    /// The browser would not open IndexedDB (private mode, storage disabled, quota).
    #[error("Không mở được kho dữ liệu trên máy ({0}).")]
    Open(String),
    #[error("Không đọc được dữ liệu trên máy ({0}).")]
    Read(String),
    /// Nothing was saved: the transaction did not commit.
    #[error("Không ghi được dữ liệu trên máy ({0}); chưa lưu.")]
    Write(String),
    /// A stored document that does not load or read (kept as it is, untouched).
    #[error("Dữ liệu trên máy không đọc được ({0}).")]
    Document(String),
    #[error("Chưa đăng nhập trên máy này: đăng nhập (khi có mạng) trước khi ghi.")]
    NoCadre,
    /// Nobody is logged in, so there is no profile database to open.
    #[error("Chưa đăng nhập trên máy này: chưa có dữ liệu để mở.")]
    NoProfile,
    /// The device's profiles could not be read (`crate::account`'s own sentence).
    #[error(transparent)]
    Account(crate::account::wire::AccountError),
    #[error(transparent)]
    CadreCode(#[from] CadreCodeError),
    #[error("Trang chưa tải xong, hãy thử lại.")]
    NotReady,
    #[error("Trình duyệt không tạo được mã mới cho mục này.")]
    NoRandomId,
    #[error("Chưa có quy định đi cơ sở cho năm {0}.")]
    NoPolicy(i32),
    #[error("Không tìm thấy {0} trên máy này.")]
    NotFound(&'static str),
    /// The form's own checks, repeated on the stored document just before writing.
    #[error("Chưa lưu: {}", first_problem(.0))]
    Rejected(Checked),
    #[error(
        "Ngày mới thuộc năm {to}, khác năm {from} của hồ sơ: muốn chuyển năm, hãy huỷ mục này và ghi mục mới."
    )]
    OtherYear { from: i32, to: i32 },
    /// A host's confirmation this phone refuses to keep (issue 11): its own reason.
    #[error("Không nhận xác nhận này. {0}")]
    Confirmation(shared::confirm::Rejection),
}

fn first_problem(checked: &Checked) -> String {
    checked
        .problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

impl From<shared::doc::DocError> for LocalError {
    fn from(e: shared::doc::DocError) -> Self {
        LocalError::Document(e.to_string())
    }
}
