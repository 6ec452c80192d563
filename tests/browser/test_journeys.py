"""One journey per role, in French, through the pages as a person uses them (links, labels, buttons): after each
action the page says what the person expects, passes the page check (once per shape of page in the journey),
and is kept as a screenshot (tests/browser/journey.py). The visitor goes with the keyboard alone; the mayor
without JavaScript. What a journey needs but is not about is made with the factories or the domain."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal.cli.demo import COMMUNE_A
from portal.domain.commitments import transition as commitment_transition
from portal.domain.organisations import verify_association
from portal.domain.projects import transition
from portal.extensions import db
from portal.models import Commitment, Commune, HomeCommune, Organisation, Project, User, commune_today
from tests.browser.journey import Journey
from tests.browser.test_people_pages import latest_link, load_demo
from tests.commitment_factories import make_commitment
from tests.dispute_factories import make_dispute
from tests.meeting_factories import make_meeting
from tests.project_factories import make_project

ASSOCIATION_A = "Association des ressortissants de Diéma en France"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _organisation(name: str) -> Organisation:
    return db.session.scalar(select(Organisation).where(Organisation.name == name))


def _town_a() -> Organisation:
    commune = db.session.scalar(select(Commune).where(Commune.code == COMMUNE_A))
    return db.session.scalar(
        select(Organisation).where(Organisation.kind == "commune", Organisation.commune_id == commune.id)
    )


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def new_context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    context.set_default_timeout(10_000)
    return context


def test_a_visitor_with_the_keyboard_alone_reads_projects_a_commune_and_the_open_data(browser, live_server):
    load_demo(live_server)
    context = new_context(browser, live_server)
    journey = Journey(context.new_page(), "visitor")
    page = journey.page
    page.goto("/")
    journey.see("home", "Construire la commune ensemble")

    first = journey.tab_to("Aller au contenu")  # the first stop: the skip link, shown when focused
    assert first["tag"] == "a"
    journey.tab_to("Projets")
    journey.press("Enter")
    journey.see("projects", "Projets cofinancés")

    # A visitor is offered only the statuses of public projects (issue 21, friction 9).
    assert "Brouillon" not in page.locator("select#status").inner_text()
    journey.tab_to("Le titre contient")
    page.keyboard.type("CHATEAU D")  # without its accent nor its case, the title still answers (friction 9)
    journey.tab_to("Filtrer")
    journey.press("Space")
    journey.see("projects-found", "Projets cofinancés")
    assert "q=CHATEAU" in page.url
    journey.tab_to("Forage et château d’eau à Kobadiala")
    journey.press("Enter")
    journey.see("project", "Forage et château d’eau à Kobadiala")
    assert page.get_by_role("heading", name="Budget").is_visible()

    journey.tab_to(re.compile(r"^Diéma$"))
    journey.press("Enter")
    journey.see("commune", "Commune de Diéma")
    assert "Forage et château d’eau à Kobadiala" in page.locator("#register").inner_text()
    assert page.title().startswith("Diéma ·")  # the commune's name, never the register's markup (bug 3)

    journey.tab_to("Données ouvertes")
    back = journey.tab_to("Données personnelles", backwards=True)  # Shift+Tab goes back, still visibly
    assert back["tag"] == "a"
    journey.tab_to("Données ouvertes")
    journey.press("Enter")
    journey.see("open-data", "Données ouvertes")
    assert page.get_by_role("link", name="projects.csv").is_visible()
    assert page.get_by_role("link", name="projects-spreadsheet.csv").is_visible()  # ";" for French spreadsheets
    context.close()


def test_an_observer_reads_the_dashboards_and_a_commune_profile(browser, live_server):
    load_demo(live_server)
    context = new_context(browser, live_server)
    journey = Journey(context.new_page(), "observer")
    page = journey.page
    page.goto("/")
    journey.sign_in("observer@example.org")
    journey.see("home", "Bienvenue, Claire Martin")
    assert page.get_by_role("link", name="Programme d’appui au développement local de Kayes (démo)").is_visible()

    journey.click("link", "Statistiques", exact=True)
    journey.see("dashboards", "Tableaux de bord")
    assert page.locator("svg.chart").count() >= 1
    page.get_by_label("Secteur", exact=True).select_option("water")
    journey.click("button", "Appliquer les filtres")
    journey.see("dashboards-water", "Tableaux de bord")
    assert "sector=water" in page.url and page.get_by_label("Secteur", exact=True).input_value() == "water"
    country = page.get_by_label("Pays de résidence de l’association")  # chosen by name, not a 2-letter code
    assert country.locator("option[value=FR]").inner_text() == "France"

    journey.click("link", "Communes", exact=True)
    journey.see("communes", "Communes")
    page.get_by_label("Nom de la commune").fill("diema")
    journey.click("button", "Rechercher")
    journey.click("link", re.compile(r"^Diéma"))
    journey.see("commune", "Commune de Diéma")
    journey.click("link", "Profil migratoire de Diéma")
    journey.see("profile", "Diéma")
    assert page.locator("table").count() >= 1  # the values, by year
    context.close()


MEDIATOR_ASSOCIATION = "Ressortissants de Samantara à Lyon (parcours du médiateur)"
MEDIATOR_DISPUTE = "Part communale non versée (parcours du médiateur)"


def test_a_mediator_verifies_an_association_works_the_desk_and_mediates_a_dispute(browser, live_server):
    load_demo(live_server)
    with live_server.app.app_context():
        if _organisation(MEDIATOR_ASSOCIATION) is None:
            commune = db.session.scalar(select(Commune).where(Commune.code == COMMUNE_A))
            pending = Organisation(
                kind="association", name=MEDIATOR_ASSOCIATION, country="FR", city="Lyon", verification="pending"
            )
            db.session.add(pending)
            db.session.flush()
            db.session.add(HomeCommune(association_id=pending.id, commune_id=commune.id, villages="Samantara"))
            association = _organisation(ASSOCIATION_A)
            project = make_project(association, commune, "agreed", title="Magasin de stockage (parcours du médiateur)")
            make_dispute(
                None, "open", project=project, claimant=association, respondent=_town_a(), subject=MEDIATOR_DISPUTE
            )
            db.session.commit()
    context = new_context(browser, live_server)
    journey = Journey(context.new_page(), "mediator")
    page = journey.page
    page.goto("/")
    journey.sign_in("mediator@example.org")
    journey.see("home", "Bienvenue, Aminata Traoré")
    awaiting = page.locator("#awaiting-title + ul").inner_text()
    assert f"Accusez réception du litige « {MEDIATOR_DISPUTE} »" in awaiting  # the desk's item, on the home page

    journey.click("link", "Le bureau du médiateur : tout ce qui attend le ministère")
    journey.see("desk", "Le bureau du médiateur")
    assert MEDIATOR_ASSOCIATION in page.locator("main").inner_text()
    assert MEDIATOR_DISPUTE in page.locator("main").inner_text()

    journey.click("link", "Associations à vérifier", exact=True)
    journey.see("associations-to-verify", "Associations à vérifier")
    journey.click("link", MEDIATOR_ASSOCIATION)
    journey.see("association", MEDIATOR_ASSOCIATION)
    journey.click("button", "Vérifier", exact=True)
    journey.see("association-verified", MEDIATOR_ASSOCIATION)
    assert "L’association est vérifiée" in page.locator("main").inner_text()

    journey.click("link", "Portail communes–diaspora")  # the brand leads home, and home to the desk
    journey.click("link", "Le bureau du médiateur : tout ce qui attend le ministère")
    journey.see("desk-after", "Le bureau du médiateur")
    assert MEDIATOR_ASSOCIATION not in page.locator("main").inner_text()  # nothing left to do about it
    journey.click("link", MEDIATOR_DISPUTE)
    journey.see("dispute", MEDIATOR_DISPUTE)
    assert "Ouvert, en attente d’un médiateur" in page.locator(".facts").inner_text()
    journey.click("button", "Accuser réception")
    journey.see("dispute-acknowledged", MEDIATOR_DISPUTE)
    assert "Reçu par le ministère" in page.locator(".facts").inner_text()
    journey.click("button", "Ouvrir la médiation")
    journey.see("dispute-in-mediation", MEDIATOR_DISPUTE)
    assert "En médiation" in page.locator(".facts").inner_text()
    page.get_by_label("Votre message").fill("Je propose une séance avec les deux parties la semaine prochaine.")
    journey.click("button", "Envoyer le message")
    journey.see("dispute-message", MEDIATOR_DISPUTE)
    assert "la semaine prochaine" in page.locator("main").inner_text()
    page.get_by_label("Le règlement").fill("La commune verse sa part en deux fois, avant la fin du trimestre.")
    journey.click("button", "Consigner le règlement")
    journey.see("dispute-settled", MEDIATOR_DISPUTE)
    assert "Résolu, règlement proposé" in page.locator(".facts").inner_text()
    # The claimant's officer finds the settlement on the home page, answers it once and is told what was recorded.
    journey.sign_out()
    journey.sign_in("association@example.org")
    journey.click("link", f"Le médiateur propose un règlement du litige « {MEDIATOR_DISPUTE} »")
    journey.see("settlement-to-answer", MEDIATOR_DISPUTE)
    journey.click("button", "Accepter le règlement")
    journey.see("settlement-accepted", MEDIATOR_DISPUTE)
    assert "Vous avez accepté le règlement ; le médiateur clora le litige." in page.locator("main").inner_text()
    assert f"{ASSOCIATION_A} — l’a accepté" in page.locator("#settlement").inner_text()
    assert page.get_by_role("button", name="Accepter le règlement").count() == 0
    assert page.get_by_role("button", name="Contester le règlement").count() == 0
    context.close()


MAYOR_PROJECT = "Puits maraîcher de Kobadiala (parcours du maire)"


def test_a_mayor_answers_a_proposal_schedules_a_meeting_and_records_minutes_and_commitments_without_javascript(
    browser, live_server
):
    load_demo(live_server)
    with live_server.app.app_context():
        if db.session.scalar(select(Project.id).where(Project.title == MAYOR_PROJECT)) is None:
            commune = db.session.scalar(select(Commune).where(Commune.code == COMMUNE_A))
            make_project(_organisation(ASSOCIATION_A), commune, "submitted", title=MAYOR_PROJECT, village="Kobadiala")
            db.session.commit()
        commune_name = _town_a().name
    held_on = commune_today() - timedelta(days=3)
    context = new_context(browser, live_server, java_script_enabled=False)
    journey = Journey(context.new_page(), "mayor", javascript=False)
    page = journey.page
    page.goto("/")
    journey.sign_in("mayor@example.org")
    journey.see("home", "Bienvenue, Moussa Sissoko")

    # The proposal waits on the home page; the mayor starts the review.
    journey.click("link", re.compile(f"Répondez à « {re.escape(MAYOR_PROJECT)} »"))
    journey.see("proposal", MAYOR_PROJECT)
    journey.click("button", "Commencer l’examen")
    journey.see("proposal-under-review", MAYOR_PROJECT)
    assert "En examen" in page.locator(".facts").inner_text()
    # The road shows where the project stands and what comes next (issue 21, friction 4).
    road = page.locator("#path")
    assert road.locator('[aria-current="step"]').inner_text().startswith("En examen")
    assert "En concertation — ensuite, par un élu ou agent communal, ou un médiateur" in road.inner_text()

    # A meeting about it, held three days ago, recorded after the fact.
    journey.click("link", "Planifier une réunion")
    journey.see("meeting-form", "réunion")
    page.get_by_label("Titre").fill("Concertation sur le puits maraîcher")
    page.get_by_label("Date", exact=True).fill(held_on.isoformat())
    page.get_by_label("Heure de début, dans le fuseau horaire de la réunion").fill("10:00")
    page.get_by_label("Fuseau horaire de la réunion", exact=True).select_option("Africa/Bamako")
    page.get_by_label("Lieu", exact=True).fill("Mairie de Diéma")
    journey.click("button", "Planifier et envoyer les invitations")
    # A past date is taken once the mayor says the meeting already took place.
    page.wait_for_load_state("load")  # refused (422), what was typed kept: the reason stands next to the date
    assert "Cette date est passée" in page.locator("#meeting-date-error").inner_text()
    page.get_by_label("Cette réunion a déjà eu lieu : je l’enregistre après coup").check()
    journey.click("button", "Planifier et envoyer les invitations")
    journey.see("meeting", "Concertation sur le puits maraîcher")
    assert "Compte rendu attendu" in page.locator(".facts").inner_text()
    assert "Mairie de Diéma" in page.locator(".facts").inner_text()
    assert ASSOCIATION_A in page.locator("main").inner_text()  # invited: the project's association

    # The minutes.
    journey.click("link", "Rédiger le compte rendu")
    journey.see("minutes-form", "Concertation sur le puits maraîcher")
    summary = page.get_by_label("Résumé des échanges")
    assert summary.bounding_box()["width"] >= page.locator("main").bounding_box()["width"] * 0.9  # room to write
    summary.fill("L’association a présenté le puits ; le conseil le soutient.")
    page.get_by_label("Décisions, une par ligne").fill("La commune fournit le terrain.\nDevis du puisatier en mars.")
    page.get_by_role("group", name="Organisations présentes").get_by_label(commune_name, exact=True).check()
    page.get_by_role("group", name="Organisations présentes").get_by_label(ASSOCIATION_A, exact=True).check()
    journey.click("button", "Publier le compte rendu")
    journey.see("minutes-posted", "Concertation sur le puits maraîcher")
    assert "Devis du puisatier en mars." in page.locator("#minutes").inner_text()
    # Held (« tenue »): nothing left to answer nor to cancel; the commune does not approve its own minutes.
    assert "Tenue" in page.locator(".facts").inner_text()
    main = page.locator("main").inner_text()
    assert "Votre organisation sera-t-elle présente" not in main and "Annuler la réunion" not in main
    assert "Approuver le compte rendu" not in main

    # The commitments taken there, one after the other: the form stays tied to the meeting until the mayor leaves.
    journey.click("link", re.compile("Enregistrer un engagement pris ici"))
    journey.see("commitment-form", MAYOR_PROJECT)
    for promising, what in (
        (ASSOCIATION_A, "Fournir le devis du puisatier"),
        (commune_name, "Délibérer sur l’affectation du terrain"),
    ):
        assert "réunion d’où vous venez" in page.locator("#record-commitment").inner_text()
        page.get_by_label("Qui s'engage").select_option(label=promising)
        page.get_by_label("Type d'engagement").select_option("administrative")
        page.get_by_label("Ce qui est promis").fill(what)
        page.get_by_label("Échéance").fill((held_on + timedelta(days=40)).isoformat())
        journey.click("button", "Enregistrer l'engagement")
        journey.see("commitment-recorded", MAYOR_PROJECT)
        assert "L'engagement est enregistré." in page.locator("main").inner_text()
        assert what in page.locator("#commitments").inner_text()
    journey.click("link", "Retour à la réunion")
    taken = page.locator("#commitments").inner_text()
    assert "Fournir le devis du puisatier" in taken and "Délibérer sur l’affectation du terrain" in taken

    # Back to the proposal: the mayor opens the consultation.
    journey.click("link", MAYOR_PROJECT)
    journey.click("button", "Ouvrir la concertation")
    journey.see("proposal-in-consultation", MAYOR_PROJECT)
    assert "En concertation" in page.locator(".facts").inner_text()
    road = page.locator("#path")
    assert road.locator('[aria-current="step"]').inner_text().startswith("En concertation")
    assert "Donner l’accord — par le maire ou un adjoint" in road.locator(".path-upcoming").inner_text()
    journey.close()


def test_an_association_signs_up_proposes_answers_reports_and_opens_a_dispute(browser, live_server):
    load_demo(live_server)
    context = new_context(browser, live_server)
    journey = Journey(context.new_page(), "association")
    page = journey.page
    page.goto("/")

    # Sign up, from the sign-in page's link; confirm the address from the mail.
    journey.click("link", "Se connecter", exact=True)
    journey.click("link", re.compile("Créer un compte|Inscri"))
    journey.see("sign-up-form")
    page.get_by_label("Votre nom").fill("Kadiatou Diallo")
    page.get_by_label("Adresse e-mail").fill("kadiatou@exemple.fr")
    page.get_by_label("Mot de passe").fill("un mot de passe solide")
    page.get_by_label("Nom de l’association").fill("Ressortissants de Diéma à Marseille")
    page.get_by_label("Pays de résidence").select_option("FR")
    page.get_by_label("Ville").fill("Marseille")
    page.get_by_label("Commune d’origine au Mali").fill("diema")
    journey.click("button", "Créer le compte et l’association")
    journey.see("signed-up")
    assert "Nous avons envoyé un message à kadiatou@exemple.fr" in page.locator("main").inner_text()
    page.goto(latest_link(live_server, "kadiatou@exemple.fr", "/auth/confirm/"))  # the link in the mail
    journey.click("button", "Confirmer mon adresse")
    journey.see("address-confirmed")
    assert "Adresse confirmée" in page.locator("main").inner_text()
    journey.click("link", "Continuer")
    journey.sign_in("kadiatou@exemple.fr", "un mot de passe solide")
    journey.see("home-pending", "Bienvenue, Kadiatou Diallo")
    assert "attend la vérification" in page.locator("main").inner_text()

    # A mediator verifies it (the mediator's journey does it through the pages).
    with live_server.app.app_context(), live_server.app.test_request_context():
        association = _organisation("Ressortissants de Diéma à Marseille")
        verify_association(_user("mediator@example.org"), association)
        db.session.commit()
    page.reload()
    journey.see("home-verified", "Bienvenue, Kadiatou Diallo")
    assert "attend la vérification" not in page.locator("main").inner_text()

    # Propose a project.
    journey.click("link", "Projets", exact=True)
    journey.click("link", "Proposer un projet")
    journey.see("project-form")
    page.get_by_label("Titre").fill("Cantine scolaire de Diéma")
    page.locator("#summary").fill("Une cantine pour les trois cents élèves de l’école du centre.")
    page.locator("#sector").select_option("education")
    page.locator("#commune_id").select_option(index=1)
    page.locator("#budget-0-label").fill("Bâtiment et cuisine")
    page.locator("#budget-0-amount").fill("2 500 000")
    # A second line, without JavaScript's help: the page comes back on the new line, its first field focused.
    with page.expect_navigation():
        page.get_by_role("button", name="Ajouter une ligne de budget").click()
    assert page.url.endswith("#budget-1-label")
    assert page.evaluate("document.activeElement.id") == "budget-1-label"
    assert page.locator("#budget-1-label").bounding_box()["y"] < page.viewport_size["height"]  # in view
    page.keyboard.type("Équipement de la cuisine")
    page.locator("#budget-1-amount").fill("500 000")
    page.locator("#funding-0-party_kind").select_option("association")
    page.locator("#funding-0-organisation_id").select_option(label="Ressortissants de Diéma à Marseille")
    page.locator("#funding-0-amount").fill("3 000 000")
    with page.expect_navigation():
        page.locator(".project-form button[name=save]:not(.default-submit)").click()
    journey.see("project-draft", "Cantine scolaire de Diéma")
    journey.click("button", "Soumettre à la commune")
    journey.see("project-submitted", "Cantine scolaire de Diéma")
    assert "Soumis" in page.locator(".facts").inner_text()
    project_url = page.url.split("#")[0]

    # The mayor asks for changes (the mayor's journey answers through the pages); the association answers.
    with live_server.app.app_context(), live_server.app.test_request_context():
        project = db.session.scalar(select(Project).where(Project.title == "Cantine scolaire de Diéma"))
        mayor = _user("mayor@example.org")
        transition(mayor, project, "start_review")
        transition(mayor, project, "request_changes", "Précisez le nombre de repas par jour et la part des parents.")
        db.session.commit()
    journey.click("link", "Portail communes–diaspora")
    journey.see("home-changes-asked", "Bienvenue, Kadiatou Diallo")
    journey.click("link", re.compile("demande des changements à « Cantine scolaire de Diéma »"))
    journey.see("project-changes-asked", "Cantine scolaire de Diéma")
    assert "Précisez le nombre de repas" in page.locator("#history").inner_text()
    journey.click("link", "Modifier le projet")
    journey.see("project-edit", "Modifier le projet")
    page.locator("#summary").fill("Une cantine pour trois cents élèves : 300 repas par jour, les parents paient 50 F.")
    with page.expect_navigation():
        page.locator(".project-form button[name=save]:not(.default-submit)").click()
    page.get_by_label(re.compile("Ce que vous avez changé")).fill("Le nombre de repas et la part des parents.")
    journey.click("button", "Soumettre à la commune")
    journey.see("project-resubmitted", "Cantine scolaire de Diéma")
    assert "Soumis" in page.locator(".facts").inner_text()

    # An invitation to a meeting on it, and a commitment taken there: the association answers and reports.
    with live_server.app.app_context():
        project = db.session.scalar(select(Project).where(Project.title == "Cantine scolaire de Diéma"))
        association = _organisation("Ressortissants de Diéma à Marseille")
        make_meeting(_town_a(), [association], [project], title="Concertation sur la cantine", hours_from_now=72)
        make_commitment(project, association, due_in_days=5, description="Fournir le devis du menuisier")
        db.session.commit()
    journey.click("link", "Portail communes–diaspora")
    journey.see("home-invited", "Bienvenue, Kadiatou Diallo")
    journey.click("link", re.compile("Dites si vous participerez à « Concertation sur la cantine »"))
    journey.see("meeting", "Concertation sur la cantine")
    journey.click("button", "Sera présente")
    journey.see("meeting-answered", "Concertation sur la cantine")
    assert "Sera présente" in page.locator("#invitees-title + table").inner_text()

    page.goto(project_url)  # back to the project, as from the browser's history
    item = page.locator("#commitments li", has_text="Fournir le devis du menuisier")
    evidence = item.get_by_label(re.compile("Justificatif"))
    # The size limit is said beside the field and checked as soon as a file is chosen, before it is sent: a
    # limit lowered below this file's size stands for a file over 20 MB (too heavy to make here).
    assert "20\u00a0Mo au plus" in item.inner_text() and evidence.get_attribute("data-max-bytes") == str(
        20 * 1024 * 1024
    )
    evidence.evaluate("input => { input.dataset.maxBytes = '10' }")
    evidence.set_input_files({"name": "devis-menuisier.pdf", "mimeType": "application/pdf", "buffer": PDF})
    assert "dépasse 20" in evidence.evaluate("input => input.validationMessage")
    assert evidence.evaluate("input => input.form.checkValidity()") is False  # the form is not sent
    evidence.evaluate("input => { input.dataset.maxBytes = String(20 * 1024 * 1024) }")
    evidence.set_input_files({"name": "devis-menuisier.pdf", "mimeType": "application/pdf", "buffer": PDF})
    assert evidence.evaluate("input => input.validationMessage") == ""
    with page.expect_navigation():
        item.get_by_role("button", name="Le déclarer tenu").click()
    journey.see("commitment-reported", "Cantine scolaire de Diéma")
    reported = page.locator("#commitments li", has_text="Fournir le devis du menuisier").inner_text()
    assert "Déclaré tenu" in reported and "devis-menuisier.pdf" in reported

    # A dispute about the project.
    journey.click("link", "Ouvrir un litige")
    journey.see("dispute-form")
    page.get_by_label("Contre quelle partie").select_option(index=1)
    page.get_by_label("Objet").fill("Examen trop long")
    story = page.get_by_label("Ce qui s’est passé, et ce que vous demandez")
    assert story.bounding_box()["width"] >= page.locator("main").bounding_box()["width"] * 0.9  # room to write
    story.fill("La commune ne répond plus depuis un mois.")
    journey.click("button", "Ouvrir le litige")
    journey.see("dispute", "Examen trop long")
    assert "Ouvert, en attente d’un médiateur" in page.locator(".facts").inner_text()

    # The mayor contests the reported commitment: next to it, the reason, who and when, and the proof given before.
    with live_server.app.app_context(), live_server.app.test_request_context():
        reported = db.session.scalar(
            select(Commitment).where(Commitment.description == "Fournir le devis du menuisier")
        )
        commitment_transition(
            _user("mayor@example.org"), reported, "contest", "Le devis n’est pas signé par le menuisier."
        )
        db.session.commit()
    page.goto(project_url)
    journey.see("commitment-contested", "Cantine scolaire de Diéma")
    contested = page.locator("#commitments li", has_text="Fournir le devis du menuisier")
    note = contested.locator(".contested-note").inner_text()
    assert "Le devis n’est pas signé par le menuisier." in note and "Contesté le" in note
    assert "Moussa Sissoko" in note  # the mayor who contested
    assert contested.locator(".contested-note a", has_text="devis-menuisier.pdf").count() == 1
    context.close()
