"""Every item of the profile has an entry, and a plain question finds it."""

from __future__ import annotations

import pytest

# (item of the profile, a plain question about it, the entry that answers it)
ITEMS = [
    # facts and figures
    ("terminology", "What is the Cambodian diaspora called?", "diaspora-terminology"),
    ("remittances share of GDP", "What share of GDP are remittances?", "remittances"),
    ("remittances inflow", "How much money do migrants send home in remittances?", "remittances"),
    ("emigration data notes", "Where do the emigration figures come from?", "data-sources"),
    ("gender split", "What is the gender split of Cambodian emigrants?", "gender-split"),
    ("top destinations", "What are the top destination countries of Cambodian emigrants?", "top-destinations"),
    ("160% growth 2000-2015", "How much did emigration grow between 2000 and 2015?", "emigration-growth"),
    ("no diaspora engagement policy", "Does Cambodia have a diaspora engagement policy?", "no-diaspora-policy"),
    # political rights
    ("dual citizenship", "Does Cambodia allow dual citizenship?", "dual-citizenship"),
    ("voting rights", "Could Cambodians abroad vote in the 2018 election?", "voting-rights"),
    ("voting from abroad", "Is voting from abroad implemented?", "voting-from-abroad"),
    ("2022 national ID card", "Can diaspora members get a Khmer national ID card?", "national-id-card"),
    # policy timeline
    ("2003 MoU with Thailand", "What is the 2003 MoU with Thailand on workers?", "mou-thailand-2003"),
    ("Prakas 012/2007", "What did Prakas 012/2007 do?", "prakas-012-2007"),
    ("sub-decree 68/2009", "What does sub-decree 68/2009 say about passports?", "subdecree-68-2009"),
    ("sub-decree 190/2011", "What is Sub-Decree 190 of 2011?", "subdecree-190-2011"),
    ("NSDP 2014-2018", "What is the National Strategic Development Plan 2014-2018?", "nsdp-2014-2018"),
    ("TVET policy 2017-2025", "What is the TVET policy 2017-2025?", "tvet-policy-2017-2025"),
    ("Labour Migration Policy 2019-2023", "What is the Policy on Labour Migration 2019-2023?",
     "labour-migration-policy-2019-2023"),
    ("2023 agreements with Malaysia", "What agreements did Cambodia sign with Malaysia in 2023?",
     "malaysia-agreements-2023"),
    ("2013 guideline on recruitment fees", "What is the 2013 guideline on recruitment fees?",
     "recruitment-guideline-2013"),
    # obstacles
    ("lack of resources", "What resources does the labour ministry lack?", "obstacle-lack-of-resources"),
    ("media landscape", "How does the media landscape affect the diaspora?", "obstacle-media-landscape"),
    ("political division and transnational repression", "What is transnational repression of Cambodian activists?",
     "obstacle-political-division"),
    # practices
    ("MRCs", "What are migrant workers resource centres?", "practice-mrc"),
    ("IPPMD", "What was the IPPMD project?", "practice-ippmd"),
    ("Season of Cambodia", "What is the Season of Cambodia festival?", "practice-season-of-cambodia"),
    ("EPS", "What is the Employment Permit System with Korea?", "practice-eps-korea"),
    ("safe migration module", "What is the safe migration module in TVET?", "practice-safe-migration-module"),
    ("My Journey app", "What is the My Journey app?", "practice-my-journey-app"),
    ("vocational programme 2024", "What is the 2024 vocational training programme for poor youth?",
     "practice-vocational-programme-2024"),
    # institutions
    ("ILO", "What does the ILO do in Cambodia?", "ilo"),
    ("TRIANGLE in ASEAN", "What is the TRIANGLE in ASEAN programme?", "triangle-asean"),
    ("MoLVT", "What does the Ministry of Labour and Vocational Training do?", "molvt"),
    ("MoI", "What does the Ministry of Interior do for migrants?", "moi"),
    ("MFAIC", "What does the Ministry of Foreign Affairs do for migrant workers?", "mfaic"),
    ("Department of Employment and Manpower", "What is the Department of Employment and Manpower?",
     "dept-employment-manpower"),
    ("Inter-Ministerial Working Group for the MoU with Thailand",
     "What is the Inter-Ministerial Working Group for the MoU with Thailand?", "imwg-mou-thailand"),
    ("IMTM", "What is the Inter-Ministerial Taskforce for Migration?", "imtm"),
    ("MTOSB", "What is the Manpower Training and Overseas Sending Board?", "mtosb"),
    ("ACRA", "What is the Association of Cambodian Recruitment Agencies?", "acra"),
    # diaspora organisations
    ("ACCA", "What is the Association Culturelle Cambodienne de l'Ain?", "org-acca"),
    ("Association des Médecins Cambodgiens", "Association des Médecins Cambodgiens", "org-medecins-cambodgiens"),
    ("Association Khmers de Toulouse", "Association Khmers de Toulouse", "org-khmers-toulouse"),
    ("Association Solidarité Cambodge", "Association Solidarité Cambodge", "org-solidarite-cambodge"),
    ("Cambodian Cultural Association", "Cambodian Cultural Association in Bron", "org-cambodian-cultural-association"),
    ("CASUNIK", "Cambodian Society in the UK", "org-casunik"),
    ("Khmer Rouge Victims' Collective", "What is the Khmer Rouge Victims' Collective?", "org-khmer-rouge-victims"),
    # about
    ("about", "What is this bot and where does its information come from?", "about"),
]


def test_every_entry_of_the_list_exists(kb):
    assert {entry_id for _, _, entry_id in ITEMS} <= {e.id for e in kb.entries}


@pytest.mark.parametrize("item, question, entry_id", ITEMS, ids=[i[0] for i in ITEMS])
def test_plain_question_finds_the_entry(matcher, item, question, entry_id):
    result = matcher.match(question)
    assert result.answered, (item, [(m.entry.id, m.score) for m in result.matches])
    assert result.best.entry.id == entry_id, (item, [(m.entry.id, m.score) for m in result.matches])


def test_every_entry_cites_the_profile_and_footnotes_where_given(kb):
    footnoted = {"dual-citizenship": "wto.org", "voting-rights": "channelnewsasia", "voting-from-abroad": "khmertimeskh",
                 "mou-thailand-2003": "natlex", "subdecree-68-2009": "wcms_145704", "subdecree-190-2011": "mekongmigration",
                 "nsdp-2014-2018": "unfpa", "tvet-policy-2017-2025": "apmigration", "mfaic": "mfaic.gov.kh",
                 "labour-migration-policy-2019-2023": "asean.org", "malaysia-agreements-2023": "apnews",
                 "recruitment-guideline-2013": "61435", "dept-employment-manpower": "KHM92808",
                 "imwg-mou-thailand": "oecd-ilibrary", "mtosb": "facebook.com"}
    for entry_id, fragment in footnoted.items():
        assert any(fragment in s.url for s in kb.get(entry_id).sources), entry_id
