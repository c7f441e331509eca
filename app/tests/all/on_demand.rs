//! Issue 9: which module each page needs before it hydrates. A page opened directly whose
//! area is not loaded first cannot hydrate (leptos' `hydrate_body` refuses a lazy route
//! not yet loaded), so this table follows `app::App`'s routes.

use app::on_demand::{Area, area_of};

#[test]
fn issue_9_each_page_names_the_module_it_is_in() {
    let rows: &[(&str, Option<Area>)] = &[
        ("/", None),
        ("/dang-ky", Some(Area::Cadre)),
        ("/chuyen-di", Some(Area::Cadre)),
        ("/chuyen-di/moi", Some(Area::Cadre)),
        ("/chuyen-di/3f2a", Some(Area::Cadre)),
        ("/chuyen-di/3f2a/sua", Some(Area::Cadre)),
        ("/chuyen-di/3f2a/bao-cao", Some(Area::Cadre)),
        ("/sinh-hoat", Some(Area::Cadre)),
        ("/sinh-hoat/moi", Some(Area::Cadre)),
        ("/sinh-hoat/9c1d", Some(Area::Cadre)),
        ("/dong-bo", Some(Area::Cadre)),
        ("/dang-nhap", Some(Area::Login)),
        ("/quan-tri", Some(Area::Admin)),
        ("/van-phong", Some(Area::Office)),
        ("/van-phong/cb-001/2026", Some(Area::Office)),
        ("/xac-nhan", Some(Area::Host)),
        ("/khong-co", None),
    ];
    for (path, area) in rows {
        assert_eq!(area_of(path), *area, "{path}");
    }
}
