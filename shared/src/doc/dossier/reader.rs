//! Reading a dossier document: the whole year ([`super::read`]) or one entry
//! ([`entry_unreadable`], for the server's check of a change to it).

use super::*;

/// How [`read`] would list the entry `id` of the map `map` among the unreadable
/// (`trips/t1`, `trips/t1/confirmation_asked_on`…), or `None` if it reads it (or there is
/// no such entry). One entry alone: what the server's check of a change to it needs,
/// where reading the whole year again would cost a lookup per field of every trip.
pub fn entry_unreadable(doc: &AutoCommit, map: &str, id: &str) -> Option<String> {
    let r = Reader { doc };
    let parent = r.map(map).ok()?;
    doc.get(&parent, id).ok()??;
    let obj = r.entry(&parent, id);
    let readable = match map {
        "trips" => {
            let obj = obj.filter(|o| r.read_trip(o, id).is_some());
            let Some(obj) = obj else {
                return Some(format!("trips/{id}"));
            };
            return r
                .read_request(&obj)
                .is_none()
                .then(|| format!("trips/{id}/confirmation_asked_on"));
        }
        "registrations" => obj.and_then(|o| r.read_submission(&o, id)).is_some(),
        "meetings" => obj.and_then(|o| r.read_meeting(&o, id)).is_some(),
        _ => true,
    };
    (!readable).then(|| format!("{map}/{id}"))
}

pub(super) struct Reader<'a> {
    pub(super) doc: &'a AutoCommit,
}

impl Reader<'_> {
    pub(super) fn map(&self, name: &str) -> Result<ObjId, DocError> {
        match self.doc.get(ROOT, name)? {
            Some((Value::Object(ObjType::Map), id)) => Ok(id),
            _ => Err(DocError::Schema(format!("thiếu mục “{name}”"))),
        }
    }

    pub(super) fn read(&self) -> Result<CadreYear, DocError> {
        let key = DossierKey::of(self.doc)
            .ok_or_else(|| DocError::Schema("không phải hồ sơ đi cơ sở".into()))?;
        let mut out = CadreYear {
            key,
            schema: schema_of(self.doc),
            trips: Vec::new(),
            submissions: Vec::new(),
            meetings: Vec::new(),
            confirmations: Vec::new(),
            requests: Default::default(),
            unreadable: Vec::new(),
        };
        let held = crate::doc::party::read(self.doc, crate::doc::DocKind::CadreDossier);
        out.confirmations = held.confirmations.into_iter().map(|e| e.value).collect();
        out.unreadable.extend(held.unreadable);
        let trips = self.map("trips")?;
        for id in self.doc.keys(&trips) {
            let Some((obj, t)) = self
                .entry(&trips, &id)
                .and_then(|obj| self.read_trip(&obj, &id).map(|t| (obj, t)))
            else {
                out.unreadable.push(format!("trips/{id}"));
                continue;
            };
            match self.read_request(&obj) {
                Some(Some(r)) => {
                    out.requests.insert(id.clone(), r);
                }
                Some(None) => {}
                None => out
                    .unreadable
                    .push(format!("trips/{id}/confirmation_asked_on")),
            }
            out.trips.push(t);
        }
        out.trips.sort_by(|a, b| {
            (b.trip.start, b.created_at, b.id()).cmp(&(a.trip.start, a.created_at, a.id()))
        });
        self.read_entries(
            "registrations",
            Self::read_submission,
            &mut out.submissions,
            &mut out.unreadable,
        );
        out.submissions.sort_by(|a, b| {
            (a.submitted_on, a.created_at, &a.id).cmp(&(b.submitted_on, b.created_at, &b.id))
        });
        self.read_entries(
            "meetings",
            Self::read_meeting,
            &mut out.meetings,
            &mut out.unreadable,
        );
        out.meetings.sort_by(|a, b| {
            (b.meeting.date, b.created_at, &b.meeting.id).cmp(&(
                a.meeting.date,
                a.created_at,
                &a.meeting.id,
            ))
        });
        Ok(out)
    }

    /// The one map at `parent[key]`; `None` if it is not one map.
    /// Every entry of the top-level map `name` that `read` makes sense of goes to `into`,
    /// the others to `unreadable` (as `name/id`). A missing map holds nothing.
    fn read_entries<T>(
        &self,
        name: &str,
        read: fn(&Self, &ObjId, &str) -> Option<T>,
        into: &mut Vec<T>,
        unreadable: &mut Vec<String>,
    ) {
        let Ok(map) = self.map(name) else { return };
        for id in self.doc.keys(&map) {
            match self.entry(&map, &id).and_then(|obj| read(self, &obj, &id)) {
                Some(entry) => into.push(entry),
                None => unreadable.push(format!("{name}/{id}")),
            }
        }
    }

    pub(super) fn entry(&self, parent: &ObjId, key: &str) -> Option<ObjId> {
        match self.doc.get(parent, key).ok()?? {
            (Value::Object(ObjType::Map), obj) => Some(obj),
            _ => None,
        }
    }

    pub(super) fn fields(&self, obj: &ObjId) -> Fields {
        Fields::of(self.doc, obj)
    }

    pub(super) fn read_trip(&self, obj: &ObjId, id: &str) -> Option<TripRecord> {
        let f = self.fields(obj);
        let start = f.date("start")?;
        let end = f.date("end")?;
        let host_level = f.opt_text("host_level")?;
        let basis = match f.opt_text("basis")? {
            Some(b) => Basis::parse(&b)?,
            None => Basis::Registration,
        };
        let status = match f.opt_text("status")? {
            Some(s) => parse_status(&s)?,
            None => TripStatus::Done,
        };
        let report = match f.opt_date("report_on")? {
            Some(submitted_on) => Some(TripReport {
                submitted_on,
                result: f.opt_text("report_result")?,
                proposals: f.opt_text("report_proposals")?,
                product: f.opt_text("report_product")?,
                ..TripReport::default()
            }),
            None => None,
        };
        let outline = f.opt_text("outline_title")?.map(|title| Outline {
            title,
            text: f.opt_text("outline").flatten().unwrap_or_default(),
        });
        let group = match (f.opt_text("group_leader")?, f.opt_map("group")?) {
            (Some(leader), Some(members)) => {
                let mut list = Vec::new();
                let members = self.fields(&members);
                for code in members.keys() {
                    let member: MemberJson = serde_json::from_str(&members.text(code)?).ok()?;
                    list.push(GroupMember {
                        id: code.to_owned(),
                        name: member.name,
                        role: member.role,
                        task: member.task,
                    });
                }
                (!list.is_empty()).then_some(TripGroup {
                    leader,
                    members: list,
                })
            }
            _ => None,
        };
        let difficulty_solved = match f.opt_text("difficulty")? {
            Some(description) => {
                let mut evidence = Vec::new();
                if let Some(items) = f.opt_map("evidence")? {
                    let items = self.fields(&items);
                    for item in items.keys() {
                        let e: EvidenceJson = serde_json::from_str(&items.text(item)?).ok()?;
                        evidence.push(e.into_evidence()?);
                    }
                }
                Some(DifficultySolved {
                    description,
                    evidence,
                })
            }
            None => None,
        };
        let approval = match basis {
            Basis::Registration => Approval::Registered,
            Basis::Assigned | Basis::AdHoc => Approval::Requested,
        };
        Some(TripRecord {
            host_level_known: host_level.is_some(),
            trip: Trip {
                start,
                end,
                id: Some(id.to_owned()),
                host: HostUnit {
                    id: f.opt_text("host_id")?,
                    name: f.text("host_unit")?,
                    level: host_level.unwrap_or_default(),
                },
                content_type: f.text("content_type")?,
                topic: f.opt_text("topic")?,
                thematic: f.flag("thematic")?,
                outline_approved: false,
                three_together: f.flag("three_together")?,
                approval,
                invitation_only: f.flag("invitation_only")?,
                status,
                confirmation: None,
                report,
                difficulty_solved,
                outline,
                group,
                notes: f.opt_text("notes")?,
            },
            basis,
            created_at: f.time("created_at")?,
        })
    }

    pub(super) fn read_submission(&self, obj: &ObjId, id: &str) -> Option<Submission> {
        let f = self.fields(obj);
        Some(Submission {
            id: id.to_owned(),
            period: f.text("period")?,
            submitted_on: f.date("submitted_on")?,
            trips: f
                .opt_text("trips")?
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            created_at: f.time("created_at")?,
        })
    }

    pub(super) fn read_meeting(&self, obj: &ObjId, id: &str) -> Option<MeetingRecord> {
        let f = self.fields(obj);
        let cancelled = match f.opt_text("status")?.as_deref() {
            None | Some("held") => false,
            Some("cancelled") => true,
            Some(_) => return None,
        };
        let members_present = match f.opt_scalar("members_present")? {
            None => None,
            Some(ScalarValue::Int(n)) => Some(u32::try_from(n).ok()?),
            Some(ScalarValue::Uint(n)) => Some(u32::try_from(n).ok()?),
            Some(_) => return None,
        };
        Some(MeetingRecord {
            meeting: ChiDoanMeeting {
                date: f.date("date")?,
                chi_doan: f.text("chi_doan")?,
                unit: HostUnit {
                    id: f.opt_text("unit_id")?,
                    name: f.text("unit_name")?,
                    level: f.text("unit_level")?,
                },
                id: Some(id.to_owned()),
                invitation_only: f.flag("invitation_only")?,
                trip: f.opt_text("trip")?,
                topic: f.opt_text("topic")?,
                members_present,
                remarks: f.opt_text("remarks")?,
            },
            cancelled,
            created_at: f.time("created_at")?,
        })
    }
}
