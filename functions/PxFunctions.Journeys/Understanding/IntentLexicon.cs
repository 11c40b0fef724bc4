namespace PxFunctions.Journeys.Understanding;

/// <summary>
/// The words and phrases intents are told by, in English, Spanish and French, folded as <see cref="TextTerms.Fold"/>
/// folds messages (no accents, lower case). A phrase (with a space) must appear as written; a single word matches
/// by stem, and a long one (six letters or more) also with one typo. Weight 2 is a strong sign, 1 a weak one.
/// </summary>
internal static class IntentLexicon
{
    public sealed record Sign(string Text, int Weight)
    {
        public bool IsPhrase { get; } = Text.Contains(' ', StringComparison.Ordinal);

        public string Stem { get; } = TextTerms.Stem(Text);
    }

    private static Sign[] Signs(int weight, params string[] texts) => texts.Select(t => new Sign(t, weight)).ToArray();

    /// <summary>Asking for a person (padded phrases).</summary>
    public static readonly string[] Person = new[]
    {
        "talk to someone", "talk to somebody", "speak to someone", "speak with someone", "speak to somebody", "talk to a", "speak to a", "speak with a",
        "talk with a", "chat with a", "real person", "a human", "human being", "an agent", "live agent", "real agent", "representative",
        "customer service", "customer support", "call me", "phone me", "ring me", "give me a call", "a manager", "supervisor", "a real",
        "actual person", "talk to you", "someone call", "somebody call", "someone contact", "contact me", "an operator", "talk to person", "talk to human",
        "hablar con", "una persona", "persona real", "un humano", "un agente", "un asesor", "una asesora", "atencion al cliente",
        "servicio al cliente", "llamame", "llamenme", "me llamen", "me llame", "alguien me", "un encargado", "un supervisor", "contactenme",
        "parler a", "parler avec", "une personne", "un humain", "un conseiller", "une conseillere", "un agent", "service client",
        "appelez moi", "rappelez moi", "me rappeler", "m appeler", "un responsable", "contactez moi", "me contacter", "quelqu un de chez", "un vrai",
        "phone number", "number to call", "call you", "talk to the", "speak to the", "talk to your", "speak to your", "human", "a rep",
        "pueda llamar", "puedo llamar", "puede llamar", "llamar a alguien", "me llame alguien", "numero de telefono", "algun telefono", "humano", "hablar con alguien",
        "qu on m appelle", "on m appelle", "m appelle", "numero de telephone", "appeler quelqu un", "parler a quelqu un", "humain", "conseiller", "conseillere",
    }.Select(p => " " + p + " ").ToArray();

    public static readonly Sign[] Complaint =
    [
        .. Signs(2, "worst", "terrible", "awful", "horrible", "horrendous", "unacceptable", "ridiculous", "disgusted", "disgusting", "furious",
            "outrageous", "scam", "fraud", "ripoff", "rip off", "garbage", "trash", "pathetic", "never again", "money back", "fed up", "sick of",
            "bad review", "1 star", "one star", "lawyer", "third time", "3rd time", "chargeback", "misleading", "lied to", "want a refund",
            "want my refund", "demand a refund", "full refund", "refund me", "refund now", "complaint", "complain", "shameful", "appalling", "joke",
            "waste of money", "total waste", "not happy", "very unhappy", "unhappy", "angry", "livid", "disappointed", "disappointing", "no one answers",
            "nobody answers", "still waiting", "still nothing", "still have not", "never buying", "never buy", "never order", "poor quality", "cheap quality",
            "pesimo", "pesima", "inaceptable", "ridiculo", "decepcionado", "decepcionada", "decepcion", "furioso", "furiosa", "enojado", "enojada",
            "enfadado", "enfadada", "estafa", "fraude", "basura", "verguenza", "harto", "harta", "devuelvan mi dinero", "devuelvan el dinero",
            "mi dinero", "quiero un reembolso", "quiero mi reembolso", "reembolso ya", "nunca mas", "mala calidad", "una estrella", "mala resena", "denuncia",
            "tercera vez", "sigo esperando", "nadie responde", "nadie contesta", "engano", "queja", "reclamacion", "lamentable", "indignado", "indignada",
            "inadmissible", "inacceptable", "scandaleux", "scandale", "decu", "decue", "decevant", "decevante", "furieux", "furieuse", "enerve", "enervee",
            "arnaque", "escroquerie", "honte", "en ai marre", "marre", "je veux etre rembourse", "je veux un remboursement", "remboursez moi",
            "mon argent", "plus jamais", "mauvaise qualite", "une etoile", "mauvais avis", "avocat", "troisieme fois", "toujours rien", "toujours pas recu",
            "personne ne repond", "pitoyable", "catastrophe", "plainte", "reclamation", "mecontent", "mecontente", "inadmissible", "pire", "nul", "nulle",
            "disgraceful", "unbelievable", "still charged", "never responded", "no one has replied", "no one replied", "nobody replied", "bad experience",
            "resena negativa", "mala experiencia", "fatal", "peor", "nada funciona", "nadie me", "todavia nada", "ni una respuesta",
            "c est du vol", "c du vol", "du vol", "aucune reponse", "mauvaise experience", "n importe quoi", "se moque"),
        .. Signs(1, "refund", "reembolso", "remboursement", "rembourser", "useless", "inutil", "inutile", "again", "otra vez", "encore une fois",
            "peor", "cancel my", "cancelar todo", "annuler", "frustrated", "frustrating", "frustrada", "frustrado", "frustrant", "annoyed", "annoying", "upset"),
    ];

    public static readonly Sign[] Problem =
    [
        .. Signs(2, "broken", "broke", "not working", "not work", "does not work", "stopped working", "wo not", "will not", "leak", "leaking", "leaks",
            "dripping", "drips", "puddle", "sticky", "tacky", "greasy", "rash", "itchy", "itching", "burning", "stinging", "breakout", "breaking out",
            "pimples", "irritation", "irritated", "error", "blinking", "flashing", "damaged", "cracked", "dented", "smashed", "missing", "wrong item",
            "wrong size", "wrong flavor", "wrong flavour", "wrong product", "never arrived", "not arrived", "has not arrived", "did not arrive", "not received",
            "have not received", "problem", "issue", "trouble", "faulty", "defective", "no crema", "turn on", "upset stomach", "stomach", "nausea", "nauseous",
            "headache", "bloated", "bloating", "side effect", "side effects", "charged twice", "double charged", "declined", "clogged", "no steam", "no water",
            "noisy", "loud noise", "rattling", "tastes sour", "sour", "bitter", "watery", "weak", "stuck", "lost", "late", "delayed", "hasnt", "didnt",
            "redness", "red", "peeling", "dry", "burns", "stings", "moldy", "smells", "weird", "strange",
            "roto", "rota", "no funciona", "no sirve", "no enciende", "no prende", "fuga", "gotea", "goteando", "pegajoso", "pegajosa", "grasoso", "grasosa",
            "rojo", "roja", "rojez", "irritacion", "irritada", "picor", "pica", "arde", "granos", "parpadea", "ruido", "amargo", "agrio", "acido",
            "danado", "danada", "golpeado", "golpeada", "falta", "incorrecto", "equivocado", "no ha llegado", "no llego", "no me llego", "no he recibido",
            "problema", "fallo", "falla", "defectuoso", "defectuosa", "dolor de", "nauseas", "cobraron dos veces", "rechazado", "rechazada", "atascado",
            "agua por", "se sale", "hinchada", "hinchado", "reseca", "mancha",
            "casse", "cassee", "ne marche pas", "marche pas", "ne fonctionne pas", "fonctionne pas", "ne s allume pas", "s allume pas", "fuite", "fuit",
            "goutte", "collant", "collante", "gras", "grasse", "rouge", "rougeur", "rougeurs", "irritation", "demange", "brule", "boutons", "erreur", "clignote",
            "bruit", "amer", "acide", "abime", "abimee", "endommage", "endommagee", "manque", "manquant", "pas recu", "pas arrive", "jamais arrive",
            "jamais recu", "probleme", "souci", "panne", "defaut", "defectueux", "mal au", "mal de", "nausee", "nausees", "debite deux fois",
            "preleve deux fois", "refuse", "refusee", "bloque", "bloquee", "tiraille", "seche", "tache", "ballonnements", "en retard", "pas le bon",
            "no longer", "anymore", "can not get", "keeps", "lukewarm", "clumps", "lumps", "lumpy", "gone hard", "turned", "darker", "gassy", "hives",
            "vomit", "vomiting", "threw up", "dizzy", "swollen", "tingling", "spluttering", "barely", "nothing comes out", "comes out",
            "ya no", "tibio", "grumos", "oscuro", "amarillo", "gases", "tripa", "barriga", "sarpullido", "granitos", "urticaria", "vomite", "mareo",
            "hinchazon", "no sale", "sale poco", "se queda", "n arrive pas", "impossible", "plus rien", "tiede", "grumeaux", "fonce", "jaune", "ventre",
            "vomi", "vertige", "gonfle", "gonflee", "coule", "reste", "ne sort", "sort plus"),
        .. Signs(1, "cold", "hot", "frio", "froid", "help", "ayuda", "aide", "why is", "por que", "pourquoi", "normal"),
    ];

    public static readonly Sign[] Praise =
    [
        .. Signs(2, "love", "loving", "loved", "amazing", "awesome", "fantastic", "excellent", "wonderful", "brilliant", "delicious", "obsessed",
            "so good", "works great", "10 10", "best purchase", "best coffee", "glowing", "thrilled", "impressed", "perfect", "the best",
            "encanta", "encanto", "genial", "increible", "perfecto", "perfecta", "excelente", "maravilla", "maravilloso", "fantastico", "muy bueno",
            "muy buena", "lo mejor", "delicioso", "buenisimo", "buenisima", "feliz", "contenta", "contento",
            "adore", "adoro", "genial", "parfait", "parfaite", "merveilleux", "merveilleuse", "trop bien", "ravi", "ravie", "delicieux", "au top",
            "le meilleur", "la meilleure", "super content", "super contente", "magnifique", "incroyable", "top", "that good", "trop bon", "trop bonne",
            "que maravilla", "me tiene enamorada", "enamorada", "enamorado", "recommend", "recomiendo", "recommande", "game changer", "life saver",
            "lifesaver", "so happy", "gorgeous", "stunning", "chef s kiss", "nailed it", "fab", "fabulous", "wow", "yay", "me chifla", "me flipa",
            "una pasada", "chulisimo", "chouette", "nickel", "au poil", "bravo", "felicitations", "un regal", "je recommande", "lo recomiendo"),
        .. Signs(1, "great", "good", "nice", "happy", "pleased", "bueno", "buena", "bien", "super", "bon", "bonne", "content", "contente", "thank you so much",
            "thanks so much", "muchas gracias", "merci beaucoup", "mil gracias"),
    ];

    /// <summary>A message that starts like a question (padded, folded).</summary>
    public static readonly string[] QuestionStarts = new[]
    {
        "how", "what", "when", "where", "which", "why", "can i", "can you", "could i", "could you", "do i", "do you", "does it", "does this",
        "is it", "is there", "is this", "are there", "are they", "should i", "will it", "will i", "would it", "any tips", "any way", "hi how", "hey how",
        "hi can", "hi what", "hello how", "how long", "how much", "how often", "is it ok", "is it safe", "wondering",
        "como", "que hago", "que puedo", "que significa", "que pasa", "cuando", "donde", "cual", "cuanto", "cuantos", "cuantas", "puedo", "se puede", "debo", "hay que", "es normal", "tienen",
        "quisiera saber", "hola como", "hola cuando", "hola puedo", "hola que", "me pueden", "pueden",
        "comment", "quand", "ou", "quel", "quelle", "quels", "quelles", "combien", "est ce", "puis je", "peut on", "dois je", "faut il",
        "avez vous", "est il", "c est normal", "je voudrais savoir", "bonjour comment", "bonjour est ce", "bonjour quand", "pouvez vous", "y a t il",
    }.Select(q => " " + q + " ").ToArray();

    /// <summary>Question phrases anywhere in a message.</summary>
    public static readonly string[] QuestionAnywhere = new[]
    {
        "how do i", "how can i", "how to", "how long", "how often", "how much", "what is the", "when will", "where is", "is it normal", "is it safe",
        "can i use", "can i take", "do you ship", "i was wondering", "wondering if", "not sure how", "any advice",
        "como puedo", "como se", "cuando llega", "donde esta", "es normal", "se puede", "puedo usar", "puedo tomar", "cada cuanto", "cuanto tiempo",
        "comment faire", "comment on", "est ce que", "quand est ce", "c est normal", "puis je", "combien de temps", "a quelle", "je me demandais",
    }.Select(q => " " + q + " ").ToArray();

    /// <summary>Not about the product: who is writing, a wrong number, not understanding the message (padded).</summary>
    public static readonly string[] Chatter = new[]
    {
        "who is this", "who s this", "whos this", "who are you", "wrong number", "i do not understand", "what is this about", "stop texting",
        "quien eres", "quien es", "quien sois", "numero equivocado", "no entiendo", "de que se trata",
        "qui est ce", "qui etes vous", "c est qui", "mauvais numero", "je ne comprends pas", "ok ca marche", "ca marche merci", "ca marche",
    }.Select(q => " " + q + " ").ToArray();

    public static readonly string[] Yes =
    [
        "yes", "yep", "yeah", "yea", "yup", "ya", "sure", "ok", "okay", "absolutely", "definitely", "of course", "yes please", "please do", "go ahead",
        "si", "claro", "vale", "por supuesto", "dale", "de acuerdo", "si por favor", "porfa",
        "oui", "ouais", "bien sur", "d accord", "volontiers", "avec plaisir", "oui merci", "ok merci", "carrement",
    ];

    public static readonly string[] No =
    [
        "no", "nope", "nah", "not really", "no thanks", "no thank you", "not now", "dont", "do not", "non", "pas vraiment", "non merci",
        "pas besoin", "pas maintenant", "no gracias", "ahora no", "para nada",
    ];

    public static readonly IReadOnlyDictionary<string, int> NumberWords = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["one"] = 1, ["two"] = 2, ["three"] = 3, ["four"] = 4, ["five"] = 5,
        ["uno"] = 1, ["una"] = 1, ["dos"] = 2, ["tres"] = 3, ["cuatro"] = 4, ["cinco"] = 5,
        ["un"] = 1, ["une"] = 1, ["deux"] = 2, ["trois"] = 3, ["quatre"] = 4, ["cinq"] = 5,
    };

    /// <summary>Common words that tell the languages apart (folded).</summary>
    public static readonly IReadOnlyDictionary<string, HashSet<string>> LanguageWords = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
    {
        ["en"] = new(["the", "is", "my", "it", "and", "how", "what", "i", "you", "this", "with", "not", "was", "have", "do", "can", "thanks", "please", "of"], StringComparer.Ordinal),
        ["es"] = new(["el", "la", "los", "las", "es", "mi", "que", "y", "como", "con", "por", "para", "muy", "esta", "gracias", "tengo", "pero", "una", "hola", "del"], StringComparer.Ordinal),
        ["fr"] = new(["le", "la", "les", "est", "mon", "ma", "et", "je", "vous", "avec", "pour", "pas", "tres", "merci", "bonjour", "c", "j", "une", "des", "du", "ne"], StringComparer.Ordinal),
    };

    private static readonly string[] Negators = ["not", "no", "never", "nunca", "ni", "pas", "jamais", "rien"];

    private static readonly HashSet<string> PraiseWords = new(Praise.Where(p => !p.IsPhrase).Select(p => p.Text), StringComparer.Ordinal);

    /// <summary>"not great", "pas top", "no muy bueno": praise words after a negation (counted as unhappy).</summary>
    public static int NegatedPraise(string[] words)
    {
        var count = 0;
        for (var i = 0; i < words.Length; i++)
        {
            if (PraiseWords.Contains(words[i]) && Enumerable.Range(Math.Max(0, i - 2), i - Math.Max(0, i - 2)).Any(j => Negators.Contains(words[j])))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The weight of the signs in a message (each sign once).</summary>
    public static int Score(Sign[] signs, string padded, List<string> stems)
    {
        var score = 0;
        foreach (var sign in signs)
        {
            var found = sign.IsPhrase
                ? padded.Contains(" " + sign.Text + " ", StringComparison.Ordinal)
                : stems.Any(s => s == sign.Stem || (sign.Stem.Length >= 6 && s.Length >= 6 && TextTerms.Distance(s, sign.Stem, 1) <= 1));
            if (found)
            {
                score += sign.Weight;
            }
        }

        return score;
    }

    private static readonly string[] HappyEmoji = ["❤", "😍", "🥰", "👏", "🙌", "😊", "😁", "😀", "🔥", "💯", "🤩", "😻", "💕", "💖", "👌", "☺"];

    public static int Emoji(string text) => HappyEmoji.Count(e => text.Contains(e, StringComparison.Ordinal)) * 2;
}
