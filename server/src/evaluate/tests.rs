use super::*;

#[test]
fn vietnamese_numbers() {
    assert_eq!(fmt_int(1785), "1.785");
    assert_eq!(fmt_int(60), "60");
    assert_eq!(fmt_dec(61.57), "61,57");
    assert_eq!(fmt_dec(1234.5), "1.234,50");
}

#[test]
fn array_paths_split_into_index_and_field() {
    assert_eq!(split_index("[2].trips[0].end"), (Some(2), "trips[0].end"));
    assert_eq!(split_index("trips[0].end"), (None, "trips[0].end"));
    assert_eq!(split_index("[0]"), (Some(0), ""));
}
