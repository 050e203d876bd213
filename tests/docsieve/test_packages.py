"""The grouping rule of solicitation packages (ADR 0010), on real solicitation files."""

from __future__ import annotations

from pathlib import Path

from docsieve.packages import (
    Member,
    PackageMode,
    PackageRef,
    applies,
    decide,
    group_packages,
    identifiers,
)
from docsieve.types import DocType

TALENTMAP = Path(__file__).resolve().parents[1] / "flows" / "packages" / "talentmap"
RFP, SPEC, NDA, OTHER = DocType.RFP, DocType.SPEC, DocType.NDA, DocType.OTHER


def _m(i: int, path: str, dt: DocType | None, ids: set[str] | None = None) -> Member:
    return Member(i, path, dt, frozenset(ids or ()))


def test_real_rfq_and_pws_share_their_project_number() -> None:
    rfq = (TALENTMAP / "Attachment1_RFQ.md").read_text(encoding="utf-8")
    pws = (TALENTMAP / "Attachment2_PWS.md").read_text(encoding="utf-8")
    shared = identifiers("Attachment1_RFQ.md", rfq) & identifiers("Attachment2_PWS.md", pws)
    assert shared == {"ID11170017"}
    # -- dates, years, phone numbers and schedule item numbers are not identifiers --
    assert not identifiers("x.md", "Due February 24, 2017 at 12:00; call 202-501-1234; SIN 132-51")


def test_one_rfq_with_its_attachments_is_one_package_lead_first_readme_left_out() -> None:
    # -- the real folder 18F__bpa-DOS-TalentMAP: the classifier calls the PWS and QASP "rfp" too --
    folder = "/rfps/talentmap"
    members = [
        _m(1, f"{folder}/Attachment2_PWS.md", RFP),
        _m(2, f"{folder}/Attachment1_RFQ.md", RFP),
        _m(3, f"{folder}/Attachment3_PWS-QASP.md", RFP),
        _m(4, f"{folder}/Attachment4_Nondisclosure.md", NDA),
        _m(5, f"{folder}/README.md", RFP),
    ]
    g = decide(folder, members, PackageMode.AUTO)
    assert g is not None and g.label == "talentmap"
    assert [m.document_id for m in g.members] == [2, 1, 3, 4]
    assert "Attachment1_RFQ.md" in g.rule


def test_a_folder_of_unrelated_rfps_is_not_a_package() -> None:
    folder = "/bids"
    members = [
        _m(1, f"{folder}/city_rfp_paving.pdf", RFP, {"RFP2024017"}),
        _m(2, f"{folder}/county_rfq_it_support.md", RFP, {"ID09160019"}),
        _m(3, f"{folder}/notes.md", OTHER),
    ]
    assert decide(folder, members, PackageMode.AUTO) is None
    # -- unnamed rfp files without a shared number: not one solicitation either --
    unnamed = [_m(1, f"{folder}/a.md", RFP), _m(2, f"{folder}/b.md", RFP)]
    assert decide(folder, unnamed, PackageMode.AUTO) is None
    # -- ... but --package folder groups them all --
    g = decide(folder, members, PackageMode.FOLDER)
    assert g is not None and len(g.members) == 3


def test_two_solicitation_files_sharing_a_number_are_one_package() -> None:
    folder = "/rfps/aries"
    members = [
        _m(1, f"{folder}/RFP_210000029_part1.md", RFP, {"210000029"}),
        _m(2, f"{folder}/RFP_210000029_part2.md", RFP, {"210000029"}),
        _m(3, f"{folder}/Attachment 07 QAP.md", RFP),
    ]
    g = decide(folder, members, PackageMode.AUTO)
    assert g is not None and "210000029" in g.rule
    assert [m.document_id for m in g.members] == [1, 2, 3]
    # -- two solicitations, two numbers: not one package --
    other = [members[0], _m(2, f"{folder}/RFP_2100003_other.md", RFP, {"2100003"})]
    assert decide(folder, other, PackageMode.AUTO) is None


def test_grouping_is_per_folder_and_needs_an_rfp_and_two_files() -> None:
    members = [
        _m(1, "/a/RFQ.md", RFP),
        _m(2, "/a/PWS.md", SPEC),
        _m(3, "/b/RFQ.md", RFP),  # -- alone in its folder --
        _m(4, "/c/contract.md", DocType.CONTRACT),
        _m(5, "/c/amendment.md", DocType.CONTRACT),  # -- no rfp: contracts stay alone --
    ]
    groups = group_packages(members, PackageMode.AUTO)
    assert [(g.root, [m.document_id for m in g.members]) for g in groups] == [("/a", [1, 2])]
    assert group_packages(members, PackageMode.NONE) == []


def test_auto_applies_to_the_rfp_profile_only() -> None:
    assert applies(PackageMode.AUTO, None) and applies(PackageMode.AUTO, "rfp")
    assert not applies(PackageMode.AUTO, "contract")
    assert applies(PackageMode.FOLDER, "contract") and not applies(PackageMode.NONE, "rfp")


def test_member_names_are_relative_to_the_package_folder() -> None:
    ref = PackageRef(label="x", root="/r/x", files=["/r/x/sub/RFQ.md", "/elsewhere/a.md"])
    assert ref.file_name("/r/x/sub/RFQ.md") == "sub/RFQ.md"
    assert ref.file_name("/elsewhere/a.md") == "a.md"


def test_contracts_next_to_an_rfq_stay_alone_attachments_join() -> None:
    # -- data/samples: one RFQ and two unrelated CUAD contracts --
    folder = "/data/samples"
    samples = [
        _m(1, f"{folder}/18f_epermit_api_rfq.md", RFP),
        _m(2, f"{folder}/cuad_canopetroleum_sponsorship_agreement.pdf", DocType.CONTRACT),
        _m(3, f"{folder}/cuad_sporthaley_endorsement_agreement.pdf", DocType.CONTRACT),
    ]
    assert decide(folder, samples, PackageMode.AUTO) is None
    # -- 18F__tts-buy-incident-response-saas: the clause addendum is classified contract --
    folder = "/rfps/incident"
    members = [
        _m(1, f"{folder}/RFQ.md", RFP),
        _m(2, f"{folder}/Addendum-Commercial-Contract-Clauses.md", DocType.CONTRACT),
        _m(3, f"{folder}/NDA-COI.md", NDA),
        _m(4, f"{folder}/master_services_agreement.md", DocType.CONTRACT, {"ID555123"}),
    ]
    g = decide(folder, members, PackageMode.AUTO)
    assert g is not None and [m.document_id for m in g.members] == [1, 2, 3]


def test_forms_and_notices_about_the_rfp_are_not_the_solicitation() -> None:
    # -- akhealth__RFP-ARIES-Support: three file names say "RFP"; one is the RFP --
    folder = "/rfps/aries"
    members = [
        _m(1, f"{folder}/ARIES_SUPPORT_RFP.md", RFP, {"210000029"}),
        _m(2, f"{folder}/Attachment 02 RFP Checklist.pdf", RFP),
        _m(3, f"{folder}/RFP 210000029 NOIA.pdf", None, {"210000029"}),
        _m(4, f"{folder}/Attachment 05 TEMPLATE Standard Agreement Form.pdf", DocType.CONTRACT),
    ]
    assert [m.named_solicitation for m in members] == [True, False, False, False]
    g = decide(folder, members, PackageMode.AUTO)
    assert g is not None and [m.document_id for m in g.members] == [1, 2, 4, 3]
