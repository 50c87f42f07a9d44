"""Every fixed text of the bot, in English, Khmer and French.

The Khmer and French texts were written by the developers and have not yet been reviewed by a
native speaker (REVIEWED says so); English is the reference.
"""

from __future__ import annotations

REVIEWED = {"en": True, "km": False, "fr": False}
LANGUAGE_NAMES = {"km": "ខ្មែរ", "en": "English", "fr": "Français"}

KIND_NAMES: dict[str, dict[str, str]] = {
    "right": {"en": "Rights", "km": "សិទ្ធិ", "fr": "Droits"},
    "fact": {"en": "Facts and figures", "km": "ការពិត និងតួលេខ", "fr": "Faits et chiffres"},
    "policy": {"en": "Policies and laws", "km": "គោលនយោបាយ និងច្បាប់", "fr": "Politiques et lois"},
    "institution": {"en": "Institutions", "km": "ស្ថាប័ន", "fr": "Institutions"},
    "practice": {"en": "Good practices", "km": "គំរូល្អៗ", "fr": "Bonnes pratiques"},
    "organisation": {"en": "Diaspora organisations", "km": "សមាគមខ្មែរនៅបរទេស", "fr": "Associations de la diaspora"},
    "obstacle": {"en": "Obstacles", "km": "ឧបសគ្គ", "fr": "Obstacles"},
    "about": {"en": "About this bot", "km": "អំពីបូតនេះ", "fr": "À propos"},
}

TEXTS: dict[str, dict[str, str]] = {
    "topics_intro": {
        "en": "Choose a topic:",
        "km": "សូមជ្រើសរើសប្រធានបទ៖",
        "fr": "Choisissez un sujet :",
    },
    "privacy": {
        "en": "What I store: your language choice and your 👍/👎 votes, under a scrambled key (never your "
              "Telegram id, name or phone number). The questions people ask are kept for {days} days "
              "without any link to who asked them, to improve the answers. A question you send to a person "
              "is kept only until they answer, and at most {days} days. /forget deletes everything "
              "stored about you.",
        "km": "អ្វីដែលខ្ញុំរក្សាទុក៖ ភាសាដែលអ្នកជ្រើសរើស និងការវាយតម្លៃ 👍/👎 របស់អ្នក ក្រោមលេខកូដសម្ងាត់ "
              "(មិនមែនលេខ Telegram ឈ្មោះ ឬលេខទូរស័ព្ទរបស់អ្នកទេ)។ សំណួរដែលមនុស្សសួរត្រូវបានរក្សាទុក {days} ថ្ងៃ "
              "ដោយគ្មានការភ្ជាប់ទៅអ្នកសួរ ដើម្បីកែលម្អចម្លើយ។ សំណួរដែលអ្នកផ្ញើទៅមនុស្សម្នាក់ ត្រូវបានរក្សាទុករហូតដល់ពួកគេឆ្លើយ "
              "និងយូរបំផុត {days} ថ្ងៃ។ /forget លុបអ្វីៗទាំងអស់ដែលរក្សាទុកអំពីអ្នក។",
        "fr": "Ce que je garde : votre choix de langue et vos votes 👍/👎, sous une clé brouillée (jamais votre "
              "identifiant Telegram, votre nom ou votre numéro). Les questions posées sont gardées {days} jours "
              "sans lien avec qui les a posées, pour améliorer les réponses. Une question envoyée à une personne "
              "est gardée jusqu'à sa réponse, {days} jours au plus. /forget efface tout ce qui vous concerne.",
    },
    "forgotten": {
        "en": "Done: everything stored about you has been deleted.",
        "km": "រួចរាល់៖ អ្វីៗទាំងអស់ដែលរក្សាទុកអំពីអ្នកត្រូវបានលុប។",
        "fr": "C'est fait : tout ce qui vous concernait a été effacé.",
    },
    "handover_button": {"en": "Talk to a person", "km": "និយាយជាមួយមនុស្ស", "fr": "Parler à une personne"},
    "handover_confirm": {
        "en": "Send this question to a person from our team?\n\n“{question}”\n\nThey will see only the "
              "question, not your name or number. Their answer will come here.",
        "km": "ផ្ញើសំណួរនេះទៅមនុស្សម្នាក់ក្នុងក្រុមយើង?\n\n“{question}”\n\nពួកគេឃើញតែសំណួរ "
              "មិនឃើញឈ្មោះ ឬលេខរបស់អ្នកទេ។ ចម្លើយនឹងមកទីនេះ។",
        "fr": "Envoyer cette question à une personne de notre équipe ?\n\n« {question} »\n\nElle ne verra que "
              "la question, pas votre nom ni votre numéro. La réponse arrivera ici.",
    },
    "yes_send": {"en": "Yes, send", "km": "បាទ/ចាស ផ្ញើ", "fr": "Oui, envoyer"},
    "no_cancel": {"en": "No", "km": "ទេ", "fr": "Non"},
    "handover_sent": {
        "en": "Sent. A person will answer here when they can.",
        "km": "បានផ្ញើ។ មនុស្សម្នាក់នឹងឆ្លើយនៅទីនេះ នៅពេលពួកគេអាច។",
        "fr": "Envoyé. Une personne répondra ici dès que possible.",
    },
    "handover_cancelled": {"en": "Not sent.", "km": "មិនបានផ្ញើទេ។", "fr": "Pas envoyé."},
    "handover_limit_user": {
        "en": "You have already sent {limit} questions to a person today. They will answer here; you can send "
              "another one tomorrow.",
        "km": "ថ្ងៃនេះ អ្នកបានផ្ញើសំណួរ {limit} ទៅមនុស្សម្នាក់រួចហើយ។ ពួកគេនឹងឆ្លើយនៅទីនេះ។ "
              "អ្នកអាចផ្ញើមួយទៀតនៅថ្ងៃស្អែក។",
        "fr": "Vous avez déjà envoyé {limit} questions à une personne aujourd'hui. La réponse arrivera ici ; "
              "vous pourrez en envoyer une autre demain.",
    },
    "handover_limit_all": {
        "en": "Our team has received many questions in the last hour. Please try again later; /topics has "
              "answers in the meantime.",
        "km": "ក្រុមយើងបានទទួលសំណួរច្រើនណាស់ក្នុងមួយម៉ោងចុងក្រោយនេះ។ សូមព្យាយាមម្ដងទៀតនៅពេលក្រោយ។ "
              "/topics មានចម្លើយសម្រាប់ពេលនេះ។",
        "fr": "Notre équipe a reçu beaucoup de questions dans la dernière heure. Réessayez plus tard ; /topics "
              "a des réponses en attendant.",
    },
    "handover_failed": {
        "en": "Sorry, your question could not be sent to our team just now. Please try again later.",
        "km": "សូមទោស សំណួររបស់អ្នកមិនអាចផ្ញើទៅក្រុមយើងបានទេឥឡូវនេះ។ សូមព្យាយាមម្ដងទៀតនៅពេលក្រោយ។",
        "fr": "Désolé, votre question n'a pas pu être envoyée à notre équipe. Réessayez plus tard.",
    },
    "handover_nothing": {
        "en": "Please type your question first.",
        "km": "សូមសរសេរសំណួររបស់អ្នកជាមុនសិន។",
        "fr": "Écrivez d'abord votre question.",
    },
    "handover_to_admins": {
        "en": "A user ({language}) asks — reply to this message to answer them:\n\n{question}",
    },
    "handover_answer": {
        "en": "A person from our team answered:",
        "km": "មនុស្សម្នាក់ពីក្រុមយើងបានឆ្លើយ៖",
        "fr": "Une personne de notre équipe a répondu :",
    },
    "back": {"en": "Back", "km": "ត្រឡប់", "fr": "Retour"},
    "sources_intro": {
        "en": "The sources of everything I say:",
        "km": "ប្រភពនៃអ្វីៗដែលខ្ញុំនិយាយ៖",
        "fr": "Les sources de tout ce que je dis :",
    },
    "welcome": {
        "en": "Hello! I answer questions about working abroad and the Cambodian diaspora: your rights, "
              "the institutions that can help, migration policies, facts and figures. Every answer says "
              "where it comes from. Type your question in Khmer, English or French.",
        "km": "សួស្តី! ខ្ញុំឆ្លើយសំណួរអំពីការធ្វើការនៅបរទេស និងជនខ្មែរនៅបរទេស៖ សិទ្ធិរបស់អ្នក "
              "ស្ថាប័នដែលអាចជួយ គោលនយោបាយចំណាកស្រុក និងតួលេខ។ ចម្លើយនីមួយៗបញ្ជាក់ប្រភព។ "
              "សូមសរសេរសំណួររបស់អ្នកជាភាសាខ្មែរ អង់គ្លេស ឬបារាំង។",
        "fr": "Bonjour ! Je réponds aux questions sur le travail à l'étranger et la diaspora cambodgienne : "
              "vos droits, les institutions qui peuvent aider, les politiques migratoires, les chiffres. "
              "Chaque réponse cite ses sources. Écrivez votre question en khmer, anglais ou français.",
    },
    "help_intro": {
        "en": "Ask a question in your own words, for example:",
        "km": "សូមសួរជាពាក្យរបស់អ្នកផ្ទាល់ ឧទាហរណ៍៖",
        "fr": "Posez votre question avec vos mots, par exemple :",
    },
    "help_examples": {
        "en": "• How much is a passport?\n• My boss does not pay me\n• I want to work in Korea\n• Can I vote from abroad?",
        "km": "• លិខិតឆ្លងដែនតម្លៃប៉ុន្មាន?\n• ថៅកែមិនបើកប្រាក់ខែខ្ញុំ\n• ខ្ញុំចង់ទៅធ្វើការនៅកូរ៉េ\n• តើខ្ញុំអាចបោះឆ្នោតពីបរទេសបានទេ?",
        "fr": "• Combien coûte un passeport ?\n• Mon patron ne me paie pas\n• Je veux travailler en Corée\n• Puis-je voter depuis l'étranger ?",
    },
    "help_commands": {"en": "Commands:", "km": "ពាក្យបញ្ជា៖", "fr": "Commandes :"},
    "not_advice": {
        "en": "This is information, not legal advice.",
        "km": "នេះជាព័ត៌មាន មិនមែនជាដំបូន្មានផ្លូវច្បាប់ទេ។",
        "fr": "Ceci est une information, pas un conseil juridique.",
    },
    "unknown": {
        "en": "Sorry, I don't know the answer to that. I can answer questions about: {topics}. "
              "Try other words, or browse with /topics.",
        "km": "សូមទោស ខ្ញុំមិនដឹងចម្លើយនេះទេ។ ខ្ញុំអាចឆ្លើយសំណួរអំពី៖ {topics}។ "
              "សូមសាកល្បងពាក្យផ្សេង ឬមើលប្រធានបទតាម /topics ។",
        "fr": "Désolé, je ne connais pas la réponse. Je peux répondre sur : {topics}. "
              "Essayez d'autres mots, ou parcourez les sujets avec /topics.",
    },
    "topics_line": {
        "en": "your rights, passports, work in Thailand, Korea and Malaysia, unpaid wages and complaints, "
              "the ministries that help, migration policies, remittances, voting, nationality, "
              "ID cards, Cambodian associations abroad",
        "km": "សិទ្ធិរបស់អ្នក លិខិតឆ្លងដែន ការងារនៅថៃ កូរ៉េ និងម៉ាឡេស៊ី ប្រាក់ខែមិនបានបើក និងពាក្យបណ្តឹង "
              "ក្រសួងដែលជួយ គោលនយោបាយចំណាកស្រុក ការផ្ញើប្រាក់ ការបោះឆ្នោត សញ្ជាតិ អត្តសញ្ញាណប័ណ្ណ "
              "សមាគមខ្មែរនៅបរទេស",
        "fr": "vos droits, les passeports, le travail en Thaïlande, en Corée et en Malaisie, les salaires impayés "
              "et les plaintes, les ministères qui aident, les politiques migratoires, les transferts d'argent, "
              "le vote, la nationalité, la carte d'identité, les associations cambodgiennes à l'étranger",
    },
    "did_you_mean": {"en": "Did you mean:", "km": "តើអ្នកចង់និយាយអំពី៖", "fr": "Vouliez-vous dire :"},
    "other_scope": {
        "en": "My report is about Cambodians, at the dates it gives: I have nothing on that place or year.",
        "km": "របាយការណ៍របស់ខ្ញុំនិយាយអំពីជនកម្ពុជា តាមកាលបរិច្ឆេទដែលវាផ្តល់៖ ខ្ញុំគ្មានព័ត៌មានអំពីទីកន្លែង ឬឆ្នាំនោះទេ។",
        "fr": "Mon rapport parle des Cambodgiens, aux dates qu'il donne : je n'ai rien sur ce lieu ou cette année.",
    },
    "no_opinion": {
        "en": "I give no opinion about people or politics: I only say what my report says.",
        "km": "ខ្ញុំមិនផ្តល់មតិអំពីមនុស្ស ឬនយោបាយទេ៖ ខ្ញុំនិយាយតែអ្វីដែលរបាយការណ៍របស់ខ្ញុំនិយាយ។",
        "fr": "Je ne donne pas d'avis sur les personnes ni sur la politique : je dis seulement ce que dit mon rapport.",
    },
    "closest_topics": {"en": "The closest topics I have:", "km": "ប្រធានបទជិតបំផុតដែលខ្ញុំមាន៖",
                       "fr": "Les sujets les plus proches que j'ai :"},
    "choose_number": {
        "en": "Reply with a number to choose.",
        "km": "សូមឆ្លើយដោយលេខ ដើម្បីជ្រើសរើស។",
        "fr": "Répondez par un numéro pour choisir.",
    },
    "see_also": {"en": "See also:", "km": "មើលផងដែរ៖", "fr": "Voir aussi :"},
    "sources": {"en": "Sources:", "km": "ប្រភព៖", "fr": "Sources :"},
    "fallback_note": {
        "en": "(Not yet available in English.)",
        "km": "(មិនទាន់មានជាភាសាខ្មែរនៅឡើយទេ ខាងក្រោមនេះជាភាសាអង់គ្លេស។)",
        "fr": "(Pas encore disponible en français : voici la version anglaise.)",
    },
    "unreviewed_mark": {"en": "not yet reviewed by a person", "km": "មិនទាន់មានមនុស្សពិនិត្យ", "fr": "non relu par une personne"},
    "as_of": {"en": "as of {date}", "km": "គិតត្រឹម {date}", "fr": "situation en {date}"},
    "more_button": {"en": "More", "km": "អានបន្ថែម", "fr": "Lire la suite"},
    "sources_button": {"en": "Sources", "km": "ប្រភព", "fr": "Sources"},
    "console_more_hint": {
        "en": "(Type “more” for the full answer, “sources” for its sources.)",
        "km": "(សរសេរ “អានបន្ថែម” ដើម្បីអានចម្លើយពេញ ឬ “ប្រភព” ដើម្បីមើលប្រភព។)",
        "fr": "(Tapez « plus » pour la réponse complète, « sources » pour ses sources.)",
    },
    "console_sources_hint": {
        "en": "(Type “sources” for the sources.)",
        "km": "(សរសេរ “ប្រភព” ដើម្បីមើលប្រភព។)",
        "fr": "(Tapez « sources » pour les sources.)",
    },
    "greeting": {
        "en": "Hello! Ask me anything about working abroad, your rights or the Cambodian diaspora. /help shows examples.",
        "km": "សួស្តី! សូមសួរខ្ញុំអំពីការធ្វើការនៅបរទេស សិទ្ធិរបស់អ្នក ឬជនខ្មែរនៅបរទេស។ /help បង្ហាញឧទាហរណ៍។",
        "fr": "Bonjour ! Posez-moi vos questions sur le travail à l'étranger, vos droits ou la diaspora cambodgienne. /help montre des exemples.",
    },
    "thanks": {
        "en": "You're welcome! Take care, and ask again any time.",
        "km": "មិនអីទេ! សូមថែរក្សាខ្លួន ហើយសួរមកវិញពេលណាក៏បាន។",
        "fr": "Avec plaisir ! Prenez soin de vous, et revenez quand vous voulez.",
    },
    "empty": {
        "en": "Please type a question.",
        "km": "សូមសរសេរសំណួរ។",
        "fr": "Veuillez écrire une question.",
    },
    "error": {
        "en": "Sorry, something went wrong on my side. Please try again in a moment.",
        "km": "សូមទោស មានបញ្ហាខាងខ្ញុំ។ សូមព្យាយាមម្តងទៀតបន្តិចក្រោយ។",
        "fr": "Désolé, une erreur s'est produite de mon côté. Réessayez dans un instant.",
    },
    "choose_language": {
        "en": "Choose your language:",
        "km": "សូមជ្រើសរើសភាសា៖",
        "fr": "Choisissez votre langue :",
    },
    "language_set": {
        "en": "I will answer in English.",
        "km": "ខ្ញុំនឹងឆ្លើយជាភាសាខ្មែរ។",
        "fr": "Je répondrai en français.",
    },
    "text_only": {
        "en": "Sorry, I can read text only. Please type your question.",
        "km": "សូមទោស ខ្ញុំអានបានតែអក្សរប៉ុណ្ណោះ។ សូមសរសេរសំណួររបស់អ្នក។",
        "fr": "Désolé, je ne lis que le texte. Écrivez votre question.",
    },
    "voice_off": {
        "en": "Sorry, I cannot listen to voice messages here. Please type your question, or browse the topics.",
        "km": "សូមទោស ខ្ញុំមិនអាចស្តាប់សារជាសំឡេងនៅទីនេះបានទេ។ សូមសរសេរសំណួររបស់អ្នក ឬមើលប្រធានបទ។",
        "fr": "Désolé, je ne peux pas écouter les messages vocaux ici. Écrivez votre question, ou parcourez les sujets.",
    },
    "voice_too_long": {
        "en": "This voice message is longer than {seconds} seconds. Please send a shorter one with one "
              "question, or type your question.",
        "km": "សារជាសំឡេងនេះវែងជាង {seconds} វិនាទី។ សូមផ្ញើសារខ្លីជាងនេះ ដែលមានសំណួរតែមួយ "
              "ឬសរសេរសំណួររបស់អ្នក។",
        "fr": "Ce message vocal dure plus de {seconds} secondes. Envoyez-en un plus court, avec une seule "
              "question, ou écrivez votre question.",
    },
    "voice_busy": {
        "en": "I am listening to many voice messages right now. Please try again in a minute, or type your question.",
        "km": "ឥឡូវនេះខ្ញុំកំពុងស្តាប់សារជាសំឡេងច្រើនពេក។ សូមព្យាយាមម្តងទៀតក្នុងរយៈពេលមួយនាទី "
              "ឬសរសេរសំណួររបស់អ្នក។",
        "fr": "J'écoute beaucoup de messages vocaux en ce moment. Réessayez dans une minute, ou écrivez votre question.",
    },
    "voice_unclear": {
        "en": "Sorry, I could not make out any words in this voice message. Please try again, speaking "
              "close to the phone, or type your question.",
        "km": "សូមទោស ខ្ញុំស្តាប់មិនបានច្បាស់ក្នុងសារជាសំឡេងនេះទេ។ សូមព្យាយាមម្តងទៀត "
              "ដោយនិយាយជិតទូរស័ព្ទ ឬសរសេរសំណួររបស់អ្នក។",
        "fr": "Désolé, je n'ai compris aucun mot de ce message vocal. Réessayez en parlant près du téléphone, "
              "ou écrivez votre question.",
    },
    "voice_heard": {"en": "🎙 I heard: “{text}”", "km": "🎙 ខ្ញុំបានឮ៖ “{text}”", "fr": "🎙 J'ai entendu : « {text} »"},
    "topics_button": {"en": "Topics", "km": "ប្រធានបទ", "fr": "Sujets"},
    "not_allowed": {
        "en": "Sorry, I don't know that command. /help lists what I can do.",
        "km": "សូមទោស ខ្ញុំមិនស្គាល់ពាក្យបញ្ជានេះទេ។ /help បង្ហាញអ្វីដែលខ្ញុំអាចធ្វើ។",
        "fr": "Désolé, je ne connais pas cette commande. /help liste ce que je sais faire.",
    },
    "console_intro": {
        "en": "diaspora-bot console chat ({entries} entries). Type a question; /help for commands, /quit to leave.",
        "km": "ការជជែកតាមកុងសូល diaspora-bot ({entries} ធាតុ)។ សរសេរសំណួរ។ /help សម្រាប់ពាក្យបញ្ជា /quit ដើម្បីចាកចេញ។",
        "fr": "diaspora-bot en console ({entries} fiches). Écrivez une question ; /help pour les commandes, /quit pour quitter.",
    },
    "flood_wait": {
        "en": "You are sending messages very fast. Please wait {seconds} seconds, then send your question again.",
        "km": "អ្នកផ្ញើសារលឿនពេក។ សូមរង់ចាំ {seconds} វិនាទី រួចផ្ញើសំណួររបស់អ្នកម្តងទៀត។",
        "fr": "Vous envoyez des messages très vite. Attendez {seconds} secondes, puis renvoyez votre question.",
    },
    # The menu under the text field (a reply keyboard); the emoji are added by bot/menu.py.
    "menu_topics": {"en": "Topics", "km": "ប្រធានបទ", "fr": "Sujets"},
    "menu_language": {"en": "Language", "km": "ភាសា", "fr": "Langue"},
    "menu_help": {"en": "Help", "km": "ជំនួយ", "fr": "Aide"},
    "menu_person": {"en": "Talk to a person", "km": "និយាយជាមួយមនុស្ស", "fr": "Parler à une personne"},
    "menu_placeholder": {
        "en": "Type your question",
        "km": "សរសេរសំណួររបស់អ្នក",
        "fr": "Écrivez votre question",
    },
    "none_of_these": {"en": "None of these", "km": "មិនមែនទាំងនេះទេ", "fr": "Aucune de celles-ci"},
    "rephrase": {
        "en": "Sorry that none of these fits. Try asking again in other words (for example, name the country "
              "or the document), or browse the topics.",
        "km": "សូមទោស ដែលគ្មានមួយណាត្រូវ។ សូមសួរម្តងទៀតដោយពាក្យផ្សេង (ឧទាហរណ៍ ប្រាប់ឈ្មោះប្រទេស ឬឯកសារ) "
              "ឬមើលប្រធានបទ។",
        "fr": "Désolé qu'aucune ne convienne. Reformulez avec d'autres mots (par exemple le pays ou le document), "
              "ou parcourez les sujets.",
    },
    "rephrase_person": {
        "en": "You can also send your question to a person from our team.",
        "km": "អ្នកក៏អាចផ្ញើសំណួររបស់អ្នកទៅមនុស្សម្នាក់ក្នុងក្រុមយើងបានដែរ។",
        "fr": "Vous pouvez aussi envoyer votre question à une personne de notre équipe.",
    },
    "media_reply": {
        "en": "I cannot look at photos, stickers, files or locations yet: I read text only. Type your question "
              "in a few words, in Khmer, English or French, or use the buttons below.",
        "km": "ខ្ញុំមិនទាន់អាចមើលរូបថត ស្ទីគ័រ ឯកសារ ឬទីតាំងបានទេ៖ ខ្ញុំអានបានតែអក្សរ។ "
              "សូមសរសេរសំណួររបស់អ្នកពីរបីពាក្យ ជាភាសាខ្មែរ អង់គ្លេស ឬបារាំង ឬប្រើប៊ូតុងខាងក្រោម។",
        "fr": "Je ne peux pas encore regarder les photos, autocollants, fichiers ou positions : je ne lis que "
              "le texte. Écrivez votre question en quelques mots, en khmer, anglais ou français, ou utilisez "
              "les boutons ci-dessous.",
    },
    "person_how": {
        "en": "Type your question in a few words. Under my answer, the button “Talk to a person” sends it to a "
              "person from our team, once you confirm.",
        "km": "សូមសរសេរសំណួររបស់អ្នកពីរបីពាក្យ។ នៅក្រោមចម្លើយរបស់ខ្ញុំ ប៊ូតុង «និយាយជាមួយមនុស្ស» "
              "ផ្ញើវាទៅមនុស្សម្នាក់ក្នុងក្រុមយើង នៅពេលអ្នកយល់ព្រម។",
        "fr": "Écrivez votre question en quelques mots. Sous ma réponse, le bouton « Parler à une personne » "
              "l'envoie à une personne de notre équipe, après votre accord.",
    },
    "person_last": {
        "en": "Your last question: “{question}”\n\nTap the button to send it to a person from our team, "
              "or type another question.",
        "km": "សំណួរចុងក្រោយរបស់អ្នក៖ «{question}»\n\nចុចប៊ូតុង ដើម្បីផ្ញើវាទៅមនុស្សម្នាក់ក្នុងក្រុមយើង "
              "ឬសរសេរសំណួរផ្សេង។",
        "fr": "Votre dernière question : « {question} »\n\nTouchez le bouton pour l'envoyer à une personne "
              "de notre équipe, ou écrivez une autre question.",
    },
    "no_person": {
        "en": "Sorry, no person from our team can be reached through this bot at the moment. "
              "Try other words, or browse the topics.",
        "km": "សូមទោស បច្ចុប្បន្នមិនអាចទាក់ទងមនុស្សក្នុងក្រុមយើងតាមបូតនេះបានទេ។ "
              "សូមសាកល្បងពាក្យផ្សេង ឬមើលប្រធានបទ។",
        "fr": "Désolé, personne de notre équipe ne peut être joint par ce bot pour le moment. "
              "Essayez d'autres mots, ou parcourez les sujets.",
    },
    "group_language_set": {
        "en": "In this group I will answer in English.",
        "km": "នៅក្នុងក្រុមនេះ ខ្ញុំនឹងឆ្លើយជាភាសាខ្មែរ។",
        "fr": "Dans ce groupe, je répondrai en français.",
    },
    "console_commands": {
        "en": "/topics - browse the topics, then type a number\n/language en|km|fr - choose the reply language\n"
              "/help - this help\n/quit - leave\nAfter a list, type a number to choose; 0 = none of these.",
        "km": "/topics - មើលប្រធានបទ រួចសរសេរលេខ\n/language en|km|fr - ជ្រើសរើសភាសាឆ្លើយ\n"
              "/help - ជំនួយនេះ\n/quit - ចាកចេញ\nបន្ទាប់ពីបញ្ជី សរសេរលេខដើម្បីជ្រើសរើស។ 0 = មិនមែនទាំងនេះទេ។",
        "fr": "/topics - parcourir les sujets, puis taper un numéro\n/language en|km|fr - choisir la langue\n"
              "/help - cette aide\n/quit - quitter\nAprès une liste, tapez un numéro ; 0 = aucune de celles-ci.",
    },
    "console_unknown_command": {
        "en": "Unknown command. /help lists what works here.",
        "km": "មិនស្គាល់ពាក្យបញ្ជានេះទេ។ /help បង្ហាញអ្វីដែលប្រើបាននៅទីនេះ។",
        "fr": "Commande inconnue. /help liste ce qui marche ici.",
    },
    "console_no_choice": {
        "en": "There is no choice {number} here. Type a number from the last list, or a question.",
        "km": "គ្មានជម្រើសលេខ {number} នៅទីនេះទេ។ សូមសរសេរលេខពីបញ្ជីចុងក្រោយ ឬសំណួរ។",
        "fr": "Il n'y a pas de choix {number} ici. Tapez un numéro de la dernière liste, ou une question.",
    },
}


def t(key: str, lang: str, **values: object) -> str:
    """A fixed text in `lang` (English when missing), with {placeholders} filled."""
    texts = TEXTS[key]
    text = texts.get(lang) or texts["en"]
    return text.format(**values) if values else text
