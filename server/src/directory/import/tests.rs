use super::*;
use std::collections::BTreeMap;

const UNITS: &str = "id,name,level,parent
tinh-doan,Tỉnh đoàn Kiên Giang,tinh,
huyen-chau-thanh,Huyện đoàn Châu Thành,huyen,tinh-doan
xa-vinh-hoa-hiep,Đoàn xã Vĩnh Hòa Hiệp,co-so,huyen-chau-thanh
";
const DEPARTMENTS: &str = "id,name
BTC,Ban Tổ chức – Kiểm tra
BPT,Ban Phong trào
";
const PEOPLE: &str = "code,name,unit,department,job,office_since,roles,username
KG-0123,Nguyễn Thị An,tinh-doan,BPT,can-bo,2020,cadre,an.nguyen
KG-0011,Võ Thị Hạnh,tinh-doan,BTC,lanh-dao-ban,2010,cadre;department-head:BTC;hq,
KG-H001,Đặng Thị Lan,xa-vinh-hoa-hiep,,can-bo,,host-officer:xa-vinh-hoa-hiep,
";

fn existing() -> Existing {
    let mut people = BTreeMap::new();
    people.insert(
        "TN-0001".to_owned(),
        KnownPerson {
            province: "TN".into(),
            active: true,
        },
    );
    people.insert(
        "KG-0999".to_owned(),
        KnownPerson {
            province: "KG".into(),
            active: true,
        },
    );
    let mut usernames = BTreeMap::new();
    usernames.insert("da.co".to_owned(), "KG-0999".to_owned());
    Existing {
        people,
        usernames,
        policies: vec![Policy::preset("kien-giang-2023").expect("preset")],
        ..Existing::default()
    }
}

fn files(units: &str, departments: &str, people: &str) -> ImportFiles {
    ImportFiles {
        units: Some(units.to_owned()),
        departments: Some(departments.to_owned()),
        people: Some(people.to_owned()),
    }
}

#[test]
fn a_clean_import_plans_every_row_and_retires_who_is_no_longer_listed() {
    let plan = plan("KG", &existing(), &files(UNITS, DEPARTMENTS, PEOPLE), 2026).expect("clean");
    assert_eq!(plan.units.len(), 3);
    assert_eq!(plan.departments.len(), 2);
    let people = plan.people.expect("people");
    assert_eq!(people.len(), 3);
    assert_eq!(
        people[1].person.roles,
        vec![
            Role::Cadre,
            Role::DepartmentHead {
                department: "BTC".into()
            },
            Role::Hq
        ]
    );
    assert_eq!(people[0].username.as_deref(), Some("an.nguyen"));
    assert_eq!(people[2].person.department, None);
    assert_eq!(people[2].person.office_since, None);
    // KG-0999 is not in the new file; TN-0001 is another province's.
    assert_eq!(plan.deactivate, vec!["KG-0999".to_owned()]);
}

#[test]
fn names_are_stored_in_nfc_and_a_byte_order_mark_is_ignored() {
    let decomposed = "Nguye\u{0302}\u{0303}n Thi\u{0323} An"; // "Nguyễn Thị An", as a Mac may type it
    let people = format!(
        "\u{feff}code,name,unit,department,job,office_since,roles\nKG-0123,{decomposed},tinh-doan,,can-bo,,cadre\n"
    );
    let plan = plan("KG", &existing(), &files(UNITS, DEPARTMENTS, &people), 2026).expect("clean");
    let person = &plan.people.expect("people")[0].person;
    assert_eq!(person.name, "Nguyễn Thị An");
    assert_eq!(person.name.chars().count(), 13);
}

/// One bad row appended to otherwise clean files: the problem names its line, column
/// and what is wrong, in Vietnamese.
#[test]
fn every_kind_of_bad_row_is_named_by_line_and_column() {
    // (file, appended row, line, column, words the message must contain)
    let rows: &[(CsvFile, &str, u64, Option<usize>, &str)] = &[
        (
            CsvFile::Units,
            "xa-a,Xã A,ap,huyen-chau-thanh",
            5,
            Some(3),
            "cấp “ap” không có",
        ),
        (
            CsvFile::Units,
            "xa-a,Xã A,co-so,huyen-khong-co",
            5,
            Some(4),
            "đơn vị cha “huyen-khong-co” không có",
        ),
        (
            CsvFile::Units,
            "xa-vinh-hoa-hiep,Trùng,co-so,huyen-chau-thanh",
            5,
            Some(1),
            "trùng với dòng 4",
        ),
        (
            CsvFile::Units,
            "xa/a,Xã A,co-so,huyen-chau-thanh",
            5,
            Some(1),
            "chỉ gồm chữ không dấu",
        ),
        (
            CsvFile::Units,
            "xa-a,,co-so,huyen-chau-thanh",
            5,
            Some(2),
            "thiếu tên đơn vị",
        ),
        (
            CsvFile::Units,
            "tinh-2,Tỉnh 2,tinh,xa-vinh-hoa-hiep",
            5,
            Some(4),
            "không cao hơn",
        ),
        (
            CsvFile::Units,
            "xa-a,Xã A,co-so,huyen-chau-thanh,thừa",
            5,
            Some(5),
            "nhiều cột hơn",
        ),
        (
            CsvFile::Departments,
            "BTC,Ban trùng",
            4,
            Some(1),
            "trùng với dòng 2",
        ),
        (
            CsvFile::Departments,
            "VP,",
            4,
            Some(2),
            "thiếu tên phòng ban",
        ),
        (
            CsvFile::People,
            "KG 01,Lê Văn Bảo,tinh-doan,,can-bo,,cadre,",
            5,
            Some(1),
            "có dấu cách",
        ),
        (
            CsvFile::People,
            "TN-0124,Lê Văn Bảo,tinh-doan,,can-bo,,cadre,",
            5,
            Some(1),
            "phải bắt đầu bằng “KG-”",
        ),
        (
            CsvFile::People,
            "kg-0123,Lê Văn Bảo,tinh-doan,,can-bo,,cadre,",
            5,
            Some(1),
            "trùng với dòng 2",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,xa-khong-co,,can-bo,,cadre,",
            5,
            Some(3),
            "đơn vị “xa-khong-co” không có",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,BXX,can-bo,,cadre,",
            5,
            Some(4),
            "phòng ban “BXX” không có",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,giam-doc,,cadre,",
            5,
            Some(5),
            "chức danh “giam-doc” không có",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,20x,cadre,",
            5,
            Some(6),
            "năm vào cơ quan “20x”",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,2031,cadre,",
            5,
            Some(6),
            "từ 1950 đến 2026",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,boss,",
            5,
            Some(7),
            "vai trò “boss” không có",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,department-head,",
            5,
            Some(7),
            "cần phạm vi",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,host-officer:xa-khong-co,",
            5,
            Some(7),
            "đơn vị “xa-khong-co” không có",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,cadre,da.co",
            5,
            Some(8),
            "đã là của KG-0999",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,cadre,an.nguyen",
            5,
            Some(8),
            "trùng với dòng 2",
        ),
        (
            CsvFile::People,
            "KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,cadre,bảo",
            5,
            Some(8),
            "chỉ gồm chữ không dấu",
        ),
    ];
    for (file, row, line, column, words) in rows {
        let with_row = |text: &str, f: CsvFile| {
            if f == *file {
                format!("{text}{row}\n")
            } else {
                text.to_owned()
            }
        };
        let input = files(
            &with_row(UNITS, CsvFile::Units),
            &with_row(DEPARTMENTS, CsvFile::Departments),
            &with_row(PEOPLE, CsvFile::People),
        );
        let problems = plan("KG", &existing(), &input, 2026).expect_err(row);
        assert_eq!(problems.len(), 1, "{row}: {problems:#?}");
        let p = &problems[0];
        assert_eq!(
            (p.file, p.line, p.column),
            (*file, *line, *column),
            "{row}: {p}"
        );
        assert!(p.message.contains(words), "{row}: {p}");
    }
}

#[test]
fn a_cycle_is_named_on_each_of_its_rows() {
    let units = "id,name,level,parent\nhuyen-a,A,huyen,huyen-b\nhuyen-b,B,huyen,huyen-a\n";
    let problems = plan(
        "KG",
        &existing(),
        &ImportFiles {
            units: Some(units.into()),
            ..ImportFiles::default()
        },
        2026,
    )
    .expect_err("cycle");
    let cycles: Vec<String> = problems
        .iter()
        .filter(|p| p.message.contains("vòng cha–con"))
        .map(|p| p.to_string())
        .collect();
    assert_eq!(
        cycles,
        [
            "Tệp đơn vị, dòng 2, cột 4 (parent): đơn vị nằm trong một vòng cha–con: huyen-a → huyen-b → huyen-a",
            "Tệp đơn vị, dòng 3, cột 4 (parent): đơn vị nằm trong một vòng cha–con: huyen-b → huyen-a → huyen-b",
        ]
    );
}

#[test]
fn every_problem_of_every_file_is_reported_at_once() {
    let units = format!("{UNITS}xa-a,Xã A,ap,\n");
    let people = format!(
        "{PEOPLE}KG-0124,Lê Văn Bảo,tinh-doan,,can-bo,,boss,\nKG-0125,,tinh-doan,,can-bo,,cadre,\n"
    );
    let problems = plan(
        "KG",
        &existing(),
        &files(&units, DEPARTMENTS, &people),
        2026,
    )
    .expect_err("three problems");
    let at: Vec<(CsvFile, u64)> = problems.iter().map(|p| (p.file, p.line)).collect();
    assert_eq!(
        at,
        [
            (CsvFile::Units, 5),
            (CsvFile::People, 5),
            (CsvFile::People, 6)
        ]
    );
}

#[test]
fn header_problems_name_the_column() {
    let rows: &[(&str, &str)] = &[
        (
            "id,name,levle,parent\n",
            "Tệp đơn vị, dòng 1, cột 3 (levle): cột “levle” không dùng được",
        ),
        ("id,name,parent\n", "Tệp đơn vị, dòng 1: thiếu cột “level”"),
        ("", "Tệp đơn vị, dòng 1: tệp trống"),
    ];
    for (units, expected) in rows {
        let problems = plan(
            "KG",
            &existing(),
            &ImportFiles {
                units: Some((*units).into()),
                ..ImportFiles::default()
            },
            2026,
        )
        .expect_err(units);
        assert!(
            problems.iter().any(|p| p.to_string().starts_with(expected)),
            "{units}: {problems:#?}"
        );
    }
}
