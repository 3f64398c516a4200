"""The customer-service vocabulary that `similarity.terms` reads comments with.

Hand-written for customer feedback: synonyms that meet on one canonical word, the
words that negate, and the filler and verdict words that say nothing about which
problem a comment raises. A domain's own jargon is not here.
"""

from __future__ import annotations

# Canonical word: the words and short phrases that mean it in feedback. A listed word
# counts as written, and its stem covers the inflections not listed ("delays"),
# unless two canonical words share that stem ("delivery" is a parcel, "delivered"
# an arrival). A canonical word starting with "not+" is a negation already.
SYNONYMS = {
    "bill": "bill, invoice, statement",
    "wrong": "wrong, incorrect, mistake, mistaken, error, erroneous, inaccurate",
    "charge": "charge, fee, surcharge, overcharge",
    "refund": "refund, reimburse, reimbursement, money back, repay, repaid",
    "twice": "twice, double, duplicate, two times",
    "subscription": "subscription, subscribed, membership, contract",
    "pay": "pay, paid, paying, payment",
    "price": "price, cost, expensive, overpriced, pricey",
    "cancel": "cancel, cancelled, terminate, termination",
    "parcel": "parcel, package, delivery, deliveries, shipment, shipping, consignment, box, order",
    "arrive": "arrive, arrival, receive, deliver, delivered, delivers, delivering, came, come, "
    "coming, turn up, show up",
    "late": "late, delay, overdue, behind schedule",
    "missing": "missing, lost, lose",
    "broken": "broken, broke, damaged, smashed, cracked, dented, crushed, shattered, torn, ripped",
    "item": "item, goods, product, article",
    "driver": "driver, courier, delivery driver",
    "engineer": "engineer, technician, fitter, installer",
    "appointment": "appointment, booking, reservation, slot",
    "support": "support, agent, staff, representative, rep, advisor, adviser, operator, employee, "
    "consultant, assistant, customer service, customer support, customer care, help desk, "
    "helpdesk, call centre, call center",
    "rude": "rude, impolite, unfriendly, disrespectful, condescending, arrogant, dismissive, "
    "patronising, patronizing, abrupt, aggressive, hostile",
    "help": "help, helpful, assist, assistance",
    "not+help": "unhelpful",
    "fix": "fix, fixed, fixing, resolve, solve, sort out",
    "not+fix": "unresolved, unsolved",
    "phone": "phone, telephone, call, ring, rang",
    "callback": "callback, call back, call me back, ring back, ring me back, phone back, "
    "phone me back, return my call",
    "hangup": "hang up, hung up",
    "email": "email, e mail",
    # Answering and being reachable are one problem to a customer who waits for either.
    "respond": "respond, response, reply, replied, answer, contact, reach, speak, spoke, talk, "
    "get back to, got back to, get through, got through, pick up",
    "not+respond": "unanswered, ignored, unreachable",
    "wait": "wait, hold, on hold, queue",
    "app": "app, application",
    "website": "website, site, web site, webpage, web page, page, portal",
    "login": "login, logon, log in, logged in, log on, logged on, sign in, signin, sign on",
    "not+login": "locked out",
    "password": "password, passcode",
    "fail": "fail, failure, crash, freeze, froze, frozen, bug, buggy, glitch, stop working, "
    "stopped working",
    "slow": "slow, sluggish, laggy, lag, lagging, take forever, took forever, take ages, took ages",
    "update": "update, upgrade",
    "again": "again, repeatedly, recurring, in a row, second time, third time",
    "ontime": "on time",
    "noise": "noise, noisy, loud",
    "dirty": "dirty, filthy, unclean, grubby",
}

# A negated word that means something else: "not correct" is wrong, "doesn't work"
# fails, and "I never ordered this" is not an order that never came.
NEGATED_MEANS = {
    **dict.fromkeys(["correct", "right", "accurate"], "wrong"),
    **dict.fromkeys(["work", "load"], "fail"),
    **dict.fromkeys(["polite", "friendly"], "rude"),
    "order": "not+order",
    "ontime": "late",
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that introduce a negation of what follows.
NEGATORS = _word_set(
    """
    not no never cannot cant dont doesnt didnt wont isnt wasnt arent werent havent
    hasnt hadnt couldnt wouldnt shouldnt nobody noone nothing without unable
    impossible neither nor nowhere
    """
)
# Phrases that negate too: "still waiting for my refund" is "no refund".
NEGATING_PHRASES = "no one, still waiting for, still waiting on, yet to"

# Things a customer waits for: that one did not come ("no refund", "I haven't
# received my refund", "still waiting for the refund") is a refund that did not
# arrive, so the three meet on {refund, not+arrive}, as "the parcel never arrived".
EXPECTED = _word_set("parcel refund callback respond email bill item engineer driver update")

# Dropped, and passed over by a negation: "never even got my refund" negates refund.
FILLER = _word_set(
    """
    really quite extremely totally absolutely completely utterly highly truly literally
    actually basically honestly seriously super pretty rather even ever still yet
    already now today yesterday tomorrow tonight recently lately always usually
    sometimes often constantly time times day days week weeks month months year years
    hour hours minute minutes min mins hr hrs morning afternoon evening night ago since
    due via per etc one two three four five six seven eight nine ten twenty thirty
    forty fifty hundred first second third last next every each another several many
    much lot lots bit few get got gets getting gotten go going goes went gone make
    makes made making keep keeps kept try tried trying able seem seems seemed say
    said says tell told know knew think thought feel felt want wanted need needed like
    liked let lets well back take took taken takes put give gave given use used using
    way thing things stuff something anything everything someone anyone everyone
    everybody somebody anybody hi hello hey dear regards thanks thank thx cheers please
    pls plz yes yeah ok okay oh wow lol im ive id customer customers company service
    services experience guys people person may might must shall whole entire around
    running inside promise promised
    """
)

# Words that end a clause as punctuation does: "not late, but damaged".
BREAKS = _word_set("but however although though whereas")

# Dropped, and they end a negation: "not happy" or "no problem" says nothing more.
VERDICTS = _word_set(
    """
    good great bad terrible awful horrible poor worst best better worse excellent
    amazing fantastic brilliant lovely nice fine perfect happy unhappy pleased glad
    satisfied unsatisfied dissatisfied disappointed disappointing disappointment
    frustrated frustrating annoyed annoying angry upset furious ridiculous unacceptable
    shocking appalling disgusting disgraceful pathetic useless joke shambles nightmare
    problem problems issue issues trouble idea clue friendly kind polite sure easy
    difficult hard simple quick fast
    """
)

# Words that say nothing about which problem a comment raises; theme discovery
# leaves them out too.
GENERIC_WORDS = FILLER | VERDICTS

# Said in passing about whatever the comment is about: a contrast, "new", praise
# ("top marks", "impressed"). Theme discovery leaves them out of its terms and
# phrases; similarity keeps them (changing its words would change its signatures).
IN_PASSING = _word_set(
    """
    but though although however whereas new old marks impressed impressive reliable
    unreliable wonderful superb awesome outstanding decent okay recommend recommended
    """
)


def is_redaction(word: str) -> bool:
    """ "xx", "xxxx": how exports black out names, dates and numbers (CFPB's "XX/XX/XXXX").

    Such a word says nothing about a comment; a thousand comments share it.
    """
    return len(word) >= 2 and word.strip("x") == ""
