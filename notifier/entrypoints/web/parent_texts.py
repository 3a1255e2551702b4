"""Every word on the parents' pages, in Dutch and English: one table, one template per page.

Plain language (B1): short sentences, "je"/"you", no jargon. A key missing a language is a test
failure (tests/unit/web/test_parent_texts.py), never a blank on a page.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from notifier.domain.timing import AMSTERDAM

LANGUAGES = ("nl", "en")

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
}

# key -> (Dutch, English). Values may hold {placeholders} filled by ``t(key, **values)``.
TEXTS: dict[str, tuple[str, str]] = {
    # layout
    "site.other_language": ("English", "Nederlands"),
    "site.other_language_label": ("This page in English", "Deze pagina in het Nederlands"),
    "site.errors_title": (
        "Er ging iets mis. Verbeter dit:", "Something is not right. Please fix this:"
    ),
    "site.privacy": ("Privacyverklaring", "Privacy statement"),
    "site.contact": ("Contact met het CJG", "Contact the CJG"),
    "privacy.title": ("Privacyverklaring Kansrijke Start", "Privacy statement Kansrijke Start"),
    "privacy.who": (
        "Kansrijke Start is een dienst van de gemeente Den Haag en het Centrum Jeugd en Gezin "
        "(CJG). Je meldt je zelf aan; je kunt altijd stoppen.",
        "Kansrijke Start is a service of the municipality of The Hague and the Centre for Youth "
        "and Family (CJG). You sign up yourself; you can stop at any time.",
    ),
    "privacy.what": (
        "Wat we bewaren: je mobiele nummer en/of e-mailadres, je voornaam als je die geeft, de "
        "uitgerekende datum of geboortedatum, je taal, tijd en CJG-locatie, en welke berichten "
        "we stuurden. We gebruiken dit alleen om je deze berichten te sturen.",
        "What we keep: your mobile number and/or email address, your first name if you give it, "
        "the due date or date of birth, your language, time and CJG location, and which "
        "messages we sent. We use this only to send you these messages.",
    ),
    "privacy.how_long": (
        "Hoe lang: de tekst van een bericht en je sms-antwoorden wissen we na 30 dagen. Stop je, "
        "of is het programma klaar, dan wissen we je gegevens na 3 maanden. Een aanmelding die "
        "je niet bevestigt, wissen we na 7 dagen.",
        "How long: the text of a message and your SMS replies are removed after 30 days. If you "
        "stop, or when the programme ends, your data is erased after 3 months. A sign-up you do "
        "not confirm is erased after 7 days.",
    ),
    "privacy.rights": (
        "Je rechten: via de link in elke e-mail (of vraag het CJG) kun je je gegevens inzien, "
        "downloaden en laten wissen. Sms STOP om te stoppen met sms.",
        "Your rights: with the link in every email (or ask the CJG) you can see, download and "
        "erase your data. Text STOP to stop the SMS messages.",
    ),
    "privacy.questions": (
        "Vragen over je gegevens? Neem contact op met het CJG.",
        "Questions about your data? Contact the CJG.",
    ),
    "site.optional": ("(mag leeg blijven)", "(you may leave this empty)"),
    "site.back_home": ("Terug naar de aanmelding", "Back to sign-up"),
    # sign-up: introduction
    "signup.title": ("Aanmelden voor Kansrijke Start", "Sign up for Kansrijke Start"),
    "signup.intro": (
        "Ben je zwanger of heb je een kindje jonger dan 2 jaar? Dan sturen wij je korte "
        "berichten met tips en hulp van het CJG (Centrum Jeugd en Gezin) in Den Haag. Gratis.",
        "Are you pregnant, or do you have a child under 2? Then we send you short messages "
        "with tips and help from the CJG (Centre for Youth and Family) in The Hague. Free of "
        "charge.",
    ),
    "signup.how_often": (
        "Je krijgt hoogstens {cap} berichten per week, meestal minder. Via sms, e-mail of "
        "allebei: dat kies je zelf.",
        "You get at most {cap} messages a week, usually fewer. By text message, email or "
        "both: you choose.",
    ),
    "signup.how_stop": (
        "Stoppen kan altijd: stuur STOP terug op een sms, of klik op de link onder een e-mail.",
        "You can stop at any time: reply STOP to a text message, or click the link at the "
        "bottom of an email.",
    ),
    "signup.sample_title": ("Zo zien de berichten eruit", "What the messages look like"),
    "signup.sample_intro": (
        "Bijvoorbeeld: iemand die nu {weeks} weken zwanger is, krijgt als eerste deze "
        "berichten:",
        "For example: someone who is {weeks} weeks pregnant now gets these messages first:",
    ),
    "signup.sample_own": (
        "Met de datum die je invulde, krijg je als eerste deze berichten:",
        "With the date you filled in, these are your first messages:",
    ),
    "signup.sample_when": ("Rond {day}", "Around {day}"),
    "signup.sample_none": (
        "Voor deze datum hebben we nu geen berichten meer.",
        "For this date we have no more messages right now.",
    ),
    "signup.data_note": (
        "We bewaren alleen wat nodig is om je berichten te sturen. We delen je gegevens met "
        "niemand. Je kunt je gegevens altijd inzien of laten wissen.",
        "We only keep what we need to send you messages. We share your details with no one. "
        "You can always see your details or have them erased.",
    ),
    # sign-up: the child
    "signup.child_legend": ("Je kindje", "Your baby"),
    "signup.child_hint": (
        "Vul één datum in: de uitgerekende datum als je zwanger bent, of de geboortedatum als "
        "je kindje er al is.",
        "Fill in one date: the due date if you are pregnant, or the date of birth if your "
        "baby is born.",
    ),
    "field.due_date": ("Uitgerekende datum", "Due date"),
    "field.birth_date": ("Geboortedatum", "Date of birth"),
    "field.date_hint": ("Dag-maand-jaar, bijvoorbeeld {example}",
                        "Day-month-year, for example {example}"),
    "field.preterm": ("Mijn kindje is geboren voor 37 weken zwangerschap",
                      "My baby was born before 37 weeks of pregnancy"),
    "field.weeks_at_birth": (
        "Na hoeveel weken zwangerschap?", "After how many weeks of pregnancy?"
    ),
    "field.weeks_hint": ("Alleen als je kindje te vroeg geboren is. Bijvoorbeeld 34.",
                         "Only if your baby was born early. For example 34."),
    "field.child_name": ("Naam van je kindje", "Your baby's name"),
    # sign-up: contact
    "signup.contact_legend": (
        "Hoe wil je de berichten krijgen?", "How do you want to get the messages?"
    ),
    "field.phone": ("Mobiel nummer", "Mobile number"),
    "field.phone_hint": ("Bijvoorbeeld 06 12345678", "For example 06 12345678"),
    "field.email": ("E-mailadres", "Email address"),
    "field.channels": ("Stuur de berichten via", "Send the messages by"),
    "channel.sms": ("sms", "text message (SMS)"),
    "channel.email": ("e-mail", "email"),
    "field.language": ("Taal van de berichten", "Language of the messages"),
    "language.nl": ("Nederlands", "Dutch"),
    "language.en": ("Engels", "English"),
    "field.preferred_time": ("Wanneer op de dag?", "What time of day?"),
    "field.time_hint": (
        "We sturen nooit berichten voor 9.00 uur of na 20.30 uur.",
        "We never send messages before 9:00 or after 20:30.",
    ),
    "time.none": ("Geen voorkeur", "No preference"),
    "time.morning": ("Ochtend (rond 9.30 uur)", "Morning (around 9:30)"),
    "time.afternoon": ("Middag (rond 13.00 uur)", "Afternoon (around 13:00)"),
    "time.evening": ("Avond (rond 19.30 uur)", "Evening (around 19:30)"),
    "field.first_name": ("Je voornaam", "Your first name"),
    "field.location": ("Bij welk CJG kom je?", "Which CJG do you go to?"),
    "field.location_hint": ("Dan zetten we het juiste adres in de berichten.",
                            "Then we put the right address in the messages."),
    "location.unknown": ("Weet ik niet", "I don't know"),
    # sign-up: second caregiver
    "signup.partner_legend": ("Tweede ouder of verzorger", "Second parent or caregiver"),
    "signup.partner_hint": (
        "Wil je partner of een andere verzorger de berichten ook krijgen? Vul dan hun "
        "gegevens in. Zij krijgen een eigen bericht om te bevestigen.",
        "Should your partner or another caregiver get the messages too? Then fill in their "
        "details. They get their own message to confirm.",
    ),
    "field.partner_first_name": ("Voornaam", "First name"),
    "field.partner_phone": ("Mobiel nummer", "Mobile number"),
    "field.partner_email": ("E-mailadres", "Email address"),
    "field.partner_channels": ("Stuur hun berichten via", "Send their messages by"),
    "field.partner_language": ("Hun taal", "Their language"),
    # sign-up: agreement and button
    "field.agree": (
        "Ik wil berichten van Kansrijke Start krijgen. Ik weet dat ik altijd kan stoppen.",
        "I want to get messages from Kansrijke Start. I know I can stop at any time.",
    ),
    "signup.submit": ("Aanmelden", "Sign up"),
    # sign-up: errors
    "err.date_missing": (
        "Vul de uitgerekende datum of de geboortedatum in.",
        "Fill in the due date or the date of birth.",
    ),
    "err.date_both": (
        "Vul maar één datum in: de uitgerekende datum of de geboortedatum.",
        "Fill in only one date: the due date or the date of birth.",
    ),
    "err.date_format": (
        "Dit is geen datum. Schrijf de datum zo: 24-05-2027.",
        "This is not a date. Write the date like this: 24-05-2027.",
    ),
    "err.due_range": (
        "De uitgerekende datum moet tussen {first} en {last} liggen. Is je kindje al "
        "geboren? Vul dan de geboortedatum in.",
        "The due date must be between {first} and {last}. Is your baby already born? Then "
        "fill in the date of birth.",
    ),
    "err.birth_range": (
        "De geboortedatum moet tussen {first} en {last} liggen. De berichten zijn voor "
        "kinderen jonger dan 2 jaar.",
        "The date of birth must be between {first} and {last}. The messages are for "
        "children under 2.",
    ),
    "err.weeks": (
        "Vul een aantal weken in tussen 22 en 36.",
        "Fill in a number of weeks between 22 and 36.",
    ),
    "err.weeks_needs_birth": (
        "Te vroeg geboren gaat samen met een geboortedatum.",
        "Born early goes with a date of birth.",
    ),
    "err.phone_invalid": (
        "Dit is geen goed telefoonnummer. Schrijf het zo: 06 12345678.",
        "This is not a correct phone number. Write it like this: 06 12345678.",
    ),
    "err.phone_not_mobile": (
        "Dit is geen mobiel nummer. Sms kan alleen naar een mobiel nummer, zoals 06 12345678.",
        "This is not a mobile number. Text messages only go to a mobile number, like "
        "06 12345678.",
    ),
    "err.phone_foreign": (
        "We kunnen alleen sms sturen naar een Nederlands mobiel nummer.",
        "We can only send text messages to a Dutch mobile number.",
    ),
    "err.phone_missing": ("Vul je mobiele nummer in.", "Fill in your mobile number."),
    "err.email_invalid": (
        "Dit is geen goed e-mailadres. Schrijf het zo: naam@voorbeeld.nl.",
        "This is not a correct email address. Write it like this: name@example.com.",
    ),
    "err.contact_missing": (
        "Vul een mobiel nummer of een e-mailadres in.",
        "Fill in a mobile number or an email address.",
    ),
    "err.channel_none": (
        "Kies sms, e-mail of allebei.",
        "Choose text message, email or both.",
    ),
    "err.sms_needs_phone": (
        "Voor sms hebben we een mobiel nummer nodig. Vul het hierboven in.",
        "For text messages we need a mobile number. Fill it in above.",
    ),
    "err.email_needs_address": (
        "Voor e-mail hebben we een e-mailadres nodig. Vul het hierboven in.",
        "For email we need an email address. Fill it in above.",
    ),
    "err.partner_contact": (
        "Vul voor de tweede ouder een mobiel nummer of een e-mailadres in, of laat alles leeg.",
        "Fill in a mobile number or an email address for the second parent, or leave it all "
        "empty.",
    ),
    "err.agree": (
        "Zet een vinkje als je berichten wilt krijgen.",
        "Tick the box if you want to get messages.",
    ),
    "err.choice": ("Kies een van de mogelijkheden.", "Choose one of the options."),
    "err.generic": ("Dit klopt niet. Kijk het nog eens na.", "This is not right. Please check it."),
    # sign-up: sent
    "sent.title": ("Kijk op je telefoon of in je e-mail", "Check your phone or email"),
    "sent.text": (
        "Bedankt! We hebben je een bericht gestuurd om je aanmelding te bevestigen. Pas als "
        "je bevestigt, krijg je berichten.",
        "Thank you! We sent you a message to confirm your sign-up. You only get messages "
        "after you confirm.",
    ),
    "sent.sms": (
        "Kreeg je een sms met een code? Stuur JA terug, of vul de code hier in:",
        "Did you get a text message with a code? Reply YES, or enter the code here:",
    ),
    "sent.code_link": ("Code invullen", "Enter the code"),
    "sent.email": (
        "Kreeg je een e-mail? Klik op de link in de e-mail. Kijk ook bij ongewenste e-mail "
        "(spam).",
        "Did you get an email? Click the link in the email. Also look in your spam folder.",
    ),
    "sent.partner": (
        "Heb je een tweede ouder aangemeld? Die krijgt een eigen bericht om te bevestigen.",
        "Did you sign up a second parent? They get their own message to confirm.",
    ),
    "sent.nothing": (
        "Kreeg je na een uur nog niets? Bel gratis het CJG: {phone}.",
        "Nothing after an hour? Call the CJG for free: {phone}.",
    ),
    "limited.title": ("Probeer het later nog eens", "Please try again later"),
    "limited.text": (
        "Er zijn nu te veel aanmeldingen tegelijk. Probeer het over een uur nog eens, of bel "
        "gratis het CJG: {phone}.",
        "There are too many sign-ups right now. Please try again in an hour, or call the CJG "
        "for free: {phone}.",
    ),
    # confirmation
    "confirm.title": ("Aanmelding bevestigen", "Confirm your sign-up"),
    "confirm.text": (
        "Klik op de knop om je aanmelding voor Kansrijke Start te bevestigen.",
        "Click the button to confirm your sign-up for Kansrijke Start.",
    ),
    "confirm.button": ("Ja, ik bevestig", "Yes, I confirm"),
    "confirm.done_title": ("Je aanmelding is bevestigd", "Your sign-up is confirmed"),
    "confirm.done_text": (
        "Bedankt! Je krijgt vanaf nu berichten van Kansrijke Start. Stoppen kan altijd.",
        "Thank you! From now on you get messages from Kansrijke Start. You can stop at any "
        "time.",
    ),
    "confirm.already": (
        "Je had je aanmelding al bevestigd. Je hoeft niets meer te doen.",
        "You had already confirmed your sign-up. You do not need to do anything else.",
    ),
    "confirm.bad_title": ("Deze link werkt niet meer", "This link no longer works"),
    "confirm.bad_text": (
        "De link is verlopen of niet goed. Een link werkt 7 dagen. Meld je opnieuw aan, dan "
        "sturen we een nieuwe.",
        "The link has expired or is not right. A link works for 7 days. Sign up again and "
        "we send you a new one.",
    ),
    "code.title": ("Code uit de sms invullen", "Enter the code from the text message"),
    "code.intro": (
        "Vul het mobiele nummer in waarop je de sms kreeg, en de code van 6 cijfers.",
        "Fill in the mobile number that got the text message, and the 6-digit code.",
    ),
    "field.code": ("Code", "Code"),
    "field.code_hint": ("6 cijfers, bijvoorbeeld 123456", "6 digits, for example 123456"),
    "code.button": ("Bevestigen", "Confirm"),
    "err.code_format": ("De code is 6 cijfers, bijvoorbeeld 123456.",
                        "The code is 6 digits, for example 123456."),
    "err.code_wrong": (
        "Deze code klopt niet of is verlopen. Kijk de code en het nummer nog eens na. Na 5 "
        "keer fout moet je je opnieuw aanmelden.",
        "This code is not right or has expired. Check the code and the number. After 5 wrong "
        "tries you need to sign up again.",
    ),
    # preferences
    "prefs.title": ("Je berichten instellen", "Your message settings"),
    "prefs.intro": (
        "Hier kun je kiezen hoe en wanneer je berichten krijgt, een pauze nemen of stoppen.",
        "Here you can choose how and when you get messages, take a break or stop.",
    ),
    "prefs.for": ("Berichten voor: {who}", "Messages for: {who}"),
    "prefs.saved": ("Opgeslagen.", "Saved."),
    "prefs.settings_legend": ("Hoe en wanneer", "How and when"),
    "prefs.save": ("Opslaan", "Save"),
    "prefs.new_channel_note": (
        "Kies je een nieuwe manier? Dan vragen we je eerst om die te bevestigen.",
        "Did you choose a new way? Then we first ask you to confirm it.",
    ),
    "prefs.status_paused": ("Je berichten staan op pauze tot en met {day}.",
                            "Your messages are paused until {day}."),
    "prefs.status_stopped": ("Je krijgt geen berichten meer.", "You get no more messages."),
    "prefs.pause_title": ("Even pauze", "Take a break"),
    "prefs.pause_text": ("Geen berichten voor een tijdje. Daarna gaan ze vanzelf weer verder.",
                         "No messages for a while. After that they start again by themselves."),
    "field.pause": ("Hoe lang?", "How long?"),
    "pause.2": ("2 weken", "2 weeks"),
    "pause.4": ("4 weken", "4 weeks"),
    "pause.8": ("8 weken", "8 weeks"),
    "pause.until": ("Tot een datum:", "Until a date:"),
    "field.pause_until": ("Pauze tot en met", "Pause until"),
    "prefs.pause_button": ("Pauze nemen", "Take a break"),
    "prefs.paused": ("Je berichten staan op pauze tot en met {day}.",
                     "Your messages are paused until {day}."),
    "err.pause_until": ("Kies een datum na vandaag, binnen een jaar.",
                        "Choose a date after today, within a year."),
    "prefs.birth_title": ("Je kindje is geboren", "Your baby is born"),
    "prefs.birth_text": (
        "Gefeliciteerd! Vul de geboortedatum in. Je berichten gaan dan over je baby.",
        "Congratulations! Fill in the date of birth. Your messages will then be about your baby.",
    ),
    "prefs.birth_button": ("Geboorte doorgeven", "Report the birth"),
    "prefs.birth_saved": ("De geboortedatum is opgeslagen. Gefeliciteerd!",
                          "The date of birth is saved. Congratulations!"),
    "prefs.due_title": ("Andere uitgerekende datum", "New due date"),
    "prefs.due_button": ("Datum wijzigen", "Change the date"),
    "prefs.due_saved": ("De nieuwe uitgerekende datum is opgeslagen.",
                        "The new due date is saved."),
    "prefs.partner_title": ("Tweede ouder of verzorger", "Second parent or caregiver"),
    "prefs.partner_now": ("Krijgt nu ook berichten: {who}.", "Also gets messages now: {who}."),
    "prefs.partner_remove": ("Tweede ouder verwijderen", "Remove the second parent"),
    "prefs.partner_removed": ("De tweede ouder krijgt geen berichten meer.",
                              "The second parent no longer gets messages."),
    "prefs.partner_add": ("Tweede ouder toevoegen", "Add a second parent"),
    "prefs.partner_added": ("We hebben de tweede ouder een bericht gestuurd om te bevestigen.",
                            "We sent the second parent a message to confirm."),
    "prefs.data_title": ("Je gegevens", "Your details"),
    "prefs.data_text": ("Je kunt alles zien wat we van je bewaren, of het laten wissen.",
                        "You can see everything we keep about you, or have it erased."),
    "prefs.export_button": ("Mijn gegevens downloaden", "Download my details"),
    "prefs.erase_button": ("Mijn gegevens wissen", "Erase my details"),
    "prefs.erase_confirm": (
        "Ja, wis mijn gegevens. Ik weet dat ik dan geen berichten meer krijg.",
        "Yes, erase my details. I know I will then get no more messages.",
    ),
    "err.erase_confirm": ("Zet een vinkje als je het zeker weet.",
                          "Tick the box if you are sure."),
    "erased.title": ("Je gegevens zijn gewist", "Your details are erased"),
    "erased.text": (
        "We hebben je gegevens gewist. Je krijgt geen berichten meer. Wil je later toch weer "
        "berichten? Meld je dan opnieuw aan.",
        "We erased your details. You get no more messages. Want messages again later? Then "
        "sign up again.",
    ),
    "prefs.stop_title": ("Stoppen", "Stop"),
    "prefs.stop_text": (
        "Je krijgt dan geen berichten meer. Ook de tweede ouder niet.",
        "You then get no more messages. The second parent neither.",
    ),
    "prefs.stop_button": ("Stop alle berichten", "Stop all messages"),
    "stopped.title": ("Je bent afgemeld", "You are unsubscribed"),
    "stopped.text": (
        "Je krijgt geen berichten meer van Kansrijke Start. Wil je later toch weer berichten? "
        "Stuur START per sms, of meld je opnieuw aan.",
        "You get no more messages from Kansrijke Start. Want messages again later? Send "
        "START by text message, or sign up again.",
    ),
    "prefs.loss_title": ("We zijn ons kindje verloren", "We lost our baby"),
    "prefs.loss_link": ("Lees wat er dan gebeurt", "Read what happens then"),
    "loss.which": ("Over wie gaat het?", "Who is it about?"),
    "loss.which_error": ("Kies over wie het gaat.", "Choose who it is about."),
    "loss.child_expecting": ("de zwangerschap (uitgerekend {day})", "the pregnancy (due {day})"),
    "loss.child_born": ("het kind geboren op {day}", "the child born on {day}"),
    "loss.title": ("We zijn ons kindje verloren", "We lost our baby"),
    "loss.text": (
        "Wat erg dat je dit moet meemaken. Je hoeft hier niets uit te leggen.",
        "We are so sorry. You do not need to explain anything here.",
    ),
    "loss.what": (
        "Als je op de knop klikt, stoppen alle berichten meteen, ook voor de tweede ouder. "
        "Je krijgt nog één bericht met waar je steun kunt vinden.",
        "When you click the button, all messages stop at once, also for the second parent. "
        "You get one more message about where to find support.",
    ),
    "loss.what_other": (
        "Als je op de knop klikt, stoppen de berichten over dit kind meteen, ook voor de tweede "
        "ouder. Je krijgt nog één bericht met waar je steun kunt vinden. De berichten over je "
        "andere kind gaan na een paar weken rustig verder.",
        "When you click the button, the messages about this child stop at once, also for the "
        "second parent. You get one more message about where to find support. The messages "
        "about your other child go on after a few quiet weeks.",
    ),
    "loss.done_title_other": ("De berichten over dit kind zijn gestopt",
                              "The messages about this child have stopped"),
    "loss.done_text_other": (
        "Wat erg dat je dit moet meemaken. Je krijgt nog één bericht met waar je steun kunt "
        "vinden. De berichten over je andere kind gaan na een paar weken verder.",
        "We are so sorry. You get one more message about where to find support. The messages "
        "about your other child go on after a few weeks.",
    ),
    "loss.erase": (
        "Daarna wissen we jullie gegevens na 3 maanden.",
        "After that we erase your details after 3 months.",
    ),
    "field.loss_keep": (
        "Bewaar onze gegevens. Ik wil later misschien weer berichten.",
        "Keep our details. I may want messages again later.",
    ),
    "loss.help": (
        "Wil je met iemand praten? Bel gratis het CJG: {phone}. Dat kan ook later.",
        "Would you like to talk to someone? Call the CJG for free: {phone}. You can also do "
        "that later.",
    ),
    "loss.button": ("Stop alle berichten", "Stop all messages"),
    "loss.cancel": ("Terug, niets veranderen", "Go back, change nothing"),
    "loss.done_title": ("Alle berichten zijn gestopt", "All messages have stopped"),
    "loss.done_text": (
        "We sturen geen berichten meer over je kindje. Je krijgt nog één bericht met waar je "
        "steun kunt vinden.",
        "We send no more messages about your baby. You get one more message about where to "
        "find support.",
    ),
    # expired link and new link
    "link.title": ("Deze link is verlopen", "This link has expired"),
    "link.text": (
        "Voor je veiligheid werkt een link maar een tijdje. Vul je mobiele nummer of "
        "e-mailadres in. Dan sturen we je een nieuwe link.",
        "For your safety a link only works for a while. Fill in your mobile number or email "
        "address. Then we send you a new link.",
    ),
    "link.request_title": ("Nieuwe link aanvragen", "Ask for a new link"),
    "field.contact": ("Mobiel nummer of e-mailadres", "Mobile number or email address"),
    "link.button": ("Stuur een nieuwe link", "Send a new link"),
    "err.contact": ("Vul een mobiel nummer of e-mailadres in.",
                    "Fill in a mobile number or email address."),
    "link.sent_title": ("Kijk op je telefoon of in je e-mail", "Check your phone or email"),
    "link.sent_text": (
        "Als dit nummer of adres bij ons bekend is, sturen we er een nieuwe link naartoe.",
        "If we know this number or address, we send a new link to it.",
    ),
    # unsubscribe
    "unsub.title": ("Afmelden voor e-mail", "Unsubscribe from email"),
    "unsub.text": (
        "Wil je geen e-mails meer van Kansrijke Start? Klik dan op de knop.",
        "Do you no longer want emails from Kansrijke Start? Then click the button.",
    ),
    "unsub.button": ("Afmelden", "Unsubscribe"),
    "unsub.done_title": ("Je bent afgemeld voor e-mail", "You are unsubscribed from email"),
    "unsub.done_text": (
        "Je krijgt geen e-mails meer van Kansrijke Start.",
        "You get no more emails from Kansrijke Start.",
    ),
    "unsub.bad_title": ("Deze link werkt niet", "This link does not work"),
    "unsub.bad_text": (
        "De link is niet goed. Wil je stoppen? Stuur STOP per sms of bel gratis het CJG: "
        "0800 285 40 70.",
        "The link is not right. Want to stop? Send STOP by text message or call the CJG for "
        "free: 0800 285 40 70.",
    ),
}


class Translator:
    """``t(key, **values)`` in one language; what templates call."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "nl"
        self._index = LANGUAGES.index(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        text = TEXTS[key][self._index]
        return text.format(**values) if values else text

    def example(self, past: bool) -> str:
        """A date to show as the example in a date field's hint: in the past for a birth, ahead
        for a due date or a pause (so that the example itself would be accepted)."""
        today = datetime.now(AMSTERDAM).date()
        day = today - timedelta(days=60) if past else today + timedelta(days=120)
        return day.strftime("%d-%m-%Y")

    def day(self, value: date) -> str:
        return f"{value.day} {MONTHS[self.lang][value.month - 1]} {value.year}"
