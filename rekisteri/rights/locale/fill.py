"""Fill the rights app's fi and sv catalogs from the table below.

Run after ``make messages``: ``python rekisteri/rights/locale/fill.py``.
A msgid without a row is left untranslated (the translation test fails).
"""

from __future__ import annotations

import re
from pathlib import Path

HERE = Path(__file__).resolve().parent

T: dict[str, tuple[str, str]] = {
    "Your role may not %(action)s this person's data: %(families)s.": (
        "Roolisi ei saa käsitellä (%(action)s) tämän henkilön tietoja: %(families)s.",
        "Din roll får inte behandla (%(action)s) personens uppgifter: %(families)s.",
    ),
    "We process personal data about you: every stored value is listed below with "
    "its purpose, legal basis, recipients, retention and source.": (
        "Käsittelemme sinua koskevia henkilötietoja: jokainen tallennettu tieto on "
        "alla käyttötarkoituksineen, oikeusperusteineen, vastaanottajineen, "
        "säilytysaikoineen ja lähteineen.",
        "Vi behandlar personuppgifter om dig: varje lagrat värde anges nedan med "
        "ändamål, rättslig grund, mottagare, lagringstid och källa.",
    ),
    "Your data has been erased; what the law requires us to keep is listed below "
    "with its ground and date.": (
        "Tietosi on poistettu; se, mitä laki velvoittaa säilyttämään, on lueteltu "
        "alla perusteineen ja päivämäärineen.",
        "Dina uppgifter har raderats; det som lagen kräver att vi sparar anges "
        "nedan med grund och datum.",
    ),
    "We process no personal data about you.": (
        "Emme käsittele sinua koskevia henkilötietoja.",
        "Vi behandlar inga personuppgifter om dig.",
    ),
    "Give the reason for the erasure.": (
        "Anna poiston syy.",
        "Ange orsaken till raderingen.",
    ),
    "At most 200 characters.": ("Enintään 200 merkkiä.", "Högst 200 tecken."),
    "A request or case reference: letters, digits and . _ / - only, at most 64 "
    "characters.": (
        "Pyynnön tai asian tunnus: vain kirjaimia, numeroita ja merkkejä . _ / -, "
        "enintään 64 merkkiä.",
        "Ärende- eller begärandenummer: endast bokstäver, siffror och . _ / -, "
        "högst 64 tecken.",
    ),
    "Already erased on %(day)s; nothing was changed.": (
        "Poistettu jo %(day)s; mitään ei muutettu.",
        "Raderades redan %(day)s; inget ändrades.",
    ),
    "Erased.": ("Poistettu.", "Raderat."),
    "Erasure": ("Poisto", "Radering"),
    "Breadcrumb": ("Murupolku", "Brödsmulor"),
    "Person": ("Henkilö", "Person"),
    "Erasure receipt": ("Poistokuitti", "Raderingskvitto"),
    "Erasure plan": ("Poistosuunnitelma", "Raderingsplan"),
    "Nothing has changed yet: this is what an erasure would do.": (
        "Mitään ei ole vielä muutettu: näin poisto toimisi.",
        "Inget har ändrats ännu: så här skulle raderingen gå till.",
    ),
    "Receipt": ("Kuitti", "Kvitto"),
    "Request or case": ("Pyyntö tai asia", "Begäran eller ärende"),
    "Executed": ("Suoritettu", "Utförd"),
    "Values erased per data family": (
        "Poistetut tiedot tietoryhmittäin",
        "Raderade värden per uppgiftsgrupp",
    ),
    "Legal holds: erasure is refused": (
        "Oikeudellinen säilytysvelvoite: poisto estetty",
        "Rättsligt bevarandekrav: radering nekas",
    ),
    "Item by item": ("Tieto kerrallaan", "Post för post"),
    "Data": ("Tieto", "Uppgift"),
    "Rows": ("Rivejä", "Rader"),
    "Fate": ("Mitä tapahtuu", "Vad som händer"),
    "Legal ground": ("Oikeusperuste", "Rättslig grund"),
    "Kept until": ("Säilytetään asti", "Sparas till"),
    "Shredded": ("Tuhotaan avain", "Nyckeln förstörs"),
    "Deleted": ("Poistetaan", "Raderas"),
    "Anonymised": ("Anonymisoidaan", "Anonymiseras"),
    "Kept": ("Säilytetään", "Sparas"),
    "Nothing is stored about this person.": (
        "Henkilöstä ei ole tallennettu mitään.",
        "Inget finns lagrat om personen.",
    ),
    "Execute the erasure": ("Suorita poisto", "Utför raderingen"),
    "Reason": ("Syy", "Orsak"),
    "Request or case reference": ("Pyynnön tai asian tunnus", "Ärendenummer"),
    "I understand that the erasure cannot be undone.": (
        "Ymmärrän, ettei poistoa voi perua.",
        "Jag förstår att raderingen inte kan ångras.",
    ),
    "Erase": ("Poista", "Radera"),
    "Your personal data": ("Henkilötietosi", "Dina personuppgifter"),
    "Controller": ("Rekisterinpitäjä", "Personuppgiftsansvarig"),
    "Created": ("Laadittu", "Skapad"),
    "erased": ("poistettu", "raderad"),
    "Source": ("Lähde", "Källa"),
    "Purposes": ("Käyttötarkoitukset", "Ändamål"),
    "Legal basis": ("Oikeusperuste", "Rättslig grund"),
    "Recipients": ("Vastaanottajat", "Mottagare"),
    "none": ("ei ole", "inga"),
    "Transfers outside the EU/EEA": (
        "Siirrot EU:n/ETA:n ulkopuolelle",
        "Överföringar utanför EU/EES",
    ),
    "until": ("asti", "till"),
    "Your rights": ("Oikeutesi", "Dina rättigheter"),
    "You may ask for access to your data, its rectification or erasure, "
    "restriction of its processing, and object to processing based on legitimate "
    "interest; data you gave us under a contract or consent you may receive in a "
    "portable format.": (
        "Voit pyytää pääsyä tietoihisi, niiden oikaisemista tai poistamista ja "
        "käsittelyn rajoittamista sekä vastustaa oikeutettuun etuun perustuvaa "
        "käsittelyä; sopimuksen tai suostumuksen perusteella antamasi tiedot voit "
        "saada siirrettävässä muodossa.",
        "Du kan begära tillgång till dina uppgifter, rättelse eller radering av "
        "dem och begränsning av behandlingen samt invända mot behandling som "
        "grundar sig på berättigat intresse; uppgifter som du lämnat med stöd av "
        "avtal eller samtycke kan du få i ett överförbart format.",
    ),
    "You may lodge a complaint with the supervisory authority": (
        "Voit tehdä valituksen valvontaviranomaiselle",
        "Du kan lämna klagomål till tillsynsmyndigheten",
    ),
    "Data protection": ("Tietosuoja", "Dataskydd"),
    "This person's data was erased on %(day)s. What the law requires is kept; the "
    "erasure page says what and until when.": (
        "Henkilön tiedot poistettiin %(day)s. Laissa vaadittu säilytetään; "
        "poistosivu kertoo mitä ja mihin asti.",
        "Personens uppgifter raderades %(day)s. Det som lagen kräver sparas; "
        "raderingssidan visar vad och till när.",
    ),
    "This person's data has been erased.": (
        "Henkilön tiedot on poistettu.",
        "Personens uppgifter har raderats.",
    ),
    "Download the access export (JSON)": (
        "Lataa tietopyyntövastaus (JSON)",
        "Ladda ner registerutdraget (JSON)",
    ),
    "Readable access export": (
        "Luettava tietopyyntövastaus",
        "Läsbart registerutdrag",
    ),
    "Portability package (ZIP)": (
        "Siirrettävät tiedot (ZIP)",
        "Överförbara uppgifter (ZIP)",
    ),
    "Erasure plan and execution": (
        "Poistosuunnitelma ja poisto",
        "Raderingsplan och radering",
    ),
    "Your role may not export or erase this person's data.": (
        "Roolisi ei saa viedä eikä poistaa tämän henkilön tietoja.",
        "Din roll får inte exportera eller radera personens uppgifter.",
    ),
    "Confirm the erasure first.": (
        "Vahvista poisto ensin.",
        "Bekräfta raderingen först.",
    ),
    "Reference of the rectification request": (
        "Oikaisupyynnön viite",
        "Referens till begäran om rättelse",
    ),
    "For example the request case's number, such as DSR-2026-0012.": (
        "Esimerkiksi pyyntöasian numero, kuten DSR-2026-0012.",
        "Till exempel ärendets nummer, som DSR-2026-0012.",
    ),
    "Outcome": ("Tulos", "Utfall"),
    "Channel": ("Kanava", "Kanal"),
    "Choose": ("Valitse", "Välj"),
    "To be notified": ("Ilmoitettava", "Ska underrättas"),
    "Notified": ("Ilmoitettu", "Underrättad"),
    "Impossible or disproportionate": (
        "Mahdoton tai kohtuuton",
        "Omöjligt eller oproportionerligt",
    ),
    "Email": ("Sähköposti", "E-post"),
    "Letter": ("Kirje", "Brev"),
    "The recipient's own system": (
        "Vastaanottajan oma järjestelmä",
        "Mottagarens eget system",
    ),
    "Phone": ("Puhelin", "Telefon"),
    "rectified": ("oikaistu", "rättad"),
    "rectified by": ("oikaisija", "rättad av"),
    "state": ("tila", "status"),
    "channel": ("kanava", "kanal"),
    "done": ("tehty", "utförd"),
    "done by": ("tekijä", "utförd av"),
    "Only the privacy officer may do this.": (
        "Vain tietosuojavastaava voi tehdä tämän.",
        "Endast dataskyddsombudet får göra detta.",
    ),
    "Choose what happened.": ("Valitse, mitä tapahtui.", "Välj vad som hände."),
    "Choose how the recipient was told.": (
        "Valitse, miten vastaanottajalle ilmoitettiin.",
        "Välj hur mottagaren underrättades.",
    ),
    "This notice is already recorded.": (
        "Tämä ilmoitus on jo kirjattu.",
        "Denna underrättelse är redan registrerad.",
    ),
    "No such notice.": ("Ilmoitusta ei löydy.", "Underrättelsen finns inte."),
    "Recipients to be told of rectifications": (
        "Oikaisuista ilmoitettavat vastaanottajat",
        "Mottagare som ska underrättas om rättelser",
    ),
    "Art. 19: every recipient that received corrected data is told of the "
    "rectification, unless this proves impossible or involves disproportionate "
    "effort.": (
        "19 artikla: jokaiselle vastaanottajalle, jolle oikaistuja tietoja on "
        "luovutettu, ilmoitetaan oikaisusta, jollei tämä osoittaudu mahdottomaksi "
        "tai vaadi kohtuutonta vaivaa.",
        "Artikel 19: varje mottagare som fått de rättade uppgifterna underrättas "
        "om rättelsen, om detta inte visar sig vara omöjligt eller medföra en "
        "oproportionerligt stor ansträngning.",
    ),
    "Open notifications": ("Avoimet ilmoitukset", "Öppna underrättelser"),
    "Corrected": ("Oikaistu", "Rättat"),
    "Record": ("Kirjaa", "Registrera"),
    "Open the person": ("Avaa henkilö", "Öppna personen"),
    "Every recipient has been told.": (
        "Kaikille vastaanottajille on ilmoitettu.",
        "Alla mottagare har underrättats.",
    ),
    "Rectify under a request": (
        "Oikaise pyynnöstä",
        "Rätta på begäran",
    ),
    "Rectification": ("Oikaisu", "Rättelse"),
    "Rectify under a request (Art. 16)": (
        "Oikaise pyynnöstä (16 artikla)",
        "Rätta på begäran (artikel 16)",
    ),
    "Correct the values the person asked to be corrected. The change is recorded "
    "with the request's reference, and every recipient that received the "
    "corrected data gets a notification task (Art. 19).": (
        "Korjaa tiedot, joiden oikaisua henkilö pyysi. Muutos kirjataan pyynnön "
        "viitteellä, ja jokaiselle vastaanottajalle, jolle oikaistuja tietoja on "
        "luovutettu, syntyy ilmoitustehtävä (19 artikla).",
        "Rätta de uppgifter som personen bad att få rättade. Ändringen registreras "
        "med begärans referens, och för varje mottagare som fått de rättade "
        "uppgifterna skapas en underrättelseuppgift (artikel 19).",
    ),
    "Rectify": ("Oikaise", "Rätta"),
    "Cancel": ("Peruuta", "Avbryt"),
    "Earlier rectifications and their recipients": (
        "Aiemmat oikaisut ja niiden vastaanottajat",
        "Tidigare rättelser och deras mottagare",
    ),
    "Rectified": ("Oikaistu", "Rättad"),
    "No recipient received the corrected data.": (
        "Oikaistuja tietoja ei ole luovutettu kenellekään.",
        "Ingen mottagare har fått de rättade uppgifterna.",
    ),
    "No rectifications.": ("Ei oikaisuja.", "Inga rättelser."),
    "Email addresses": ("Sähköpostiosoitteet", "E-postadresser"),
    "Phone numbers": ("Puhelinnumerot", "Telefonnummer"),
    "Rectified. Recipients to be told of it: %(count)d.": (
        "Oikaistu. Ilmoitettavia vastaanottajia: %(count)d.",
        "Rättad. Mottagare som ska underrättas: %(count)d.",
    ),
    "Rectified. No recipient received the corrected data.": (
        "Oikaistu. Oikaistuja tietoja ei ole luovutettu kenellekään.",
        "Rättad. Ingen mottagare har fått de rättade uppgifterna.",
    ),
    "Recorded.": ("Kirjattu.", "Registrerat."),
    "request reference": ("pyynnön viite", "begärans referens"),
    "recipient": ("vastaanottaja", "mottagare"),
    "Recipient": ("Vastaanottaja", "Mottagare"),
    "Request": ("Pyyntö", "Begäran"),
    "Recipients told": ("Ilmoitetut vastaanottajat", "Underrättade mottagare"),
    "Give the reference of the rectification request.": (
        "Anna oikaisupyynnön viite.",
        "Ange referensen till begäran om rättelse.",
    ),
    "Nothing was changed: correct at least one value.": (
        "Mitään ei muutettu: oikaise vähintään yksi tieto.",
        "Inget ändrades: rätta minst ett värde.",
    ),
}


def _po_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def fill(language: str) -> list[str]:
    index = 0 if language == "fi" else 1
    path = HERE / language / "LC_MESSAGES" / "django.po"
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    missing = []
    out = []
    for block in blocks:
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ', block + "\n", re.M)
        if not m:
            out.append(block)
            continue
        msgid = "".join(re.findall(r'"(.*)"', m.group(1))).replace('\\"', '"')
        if not msgid:
            out.append(block)
            continue
        if msgid not in T:
            missing.append(msgid)
            out.append(block)
            continue
        head = block[: block.index("msgstr ")]
        head = (
            "\n".join(line for line in head.splitlines() if line != "#, fuzzy") + "\n"
        )
        out.append(head + f'msgstr "{_po_string(T[msgid][index])}"')
    path.write_text("\n\n".join(out).rstrip("\n") + "\n", encoding="utf-8")
    return missing


if __name__ == "__main__":
    for lang in ("fi", "sv"):
        left = fill(lang)
        if left:
            raise SystemExit(f"{lang}: no translation for {left}")
