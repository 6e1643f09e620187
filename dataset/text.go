package dataset

// Vocabulary of the generator. Addresses use the reserved .example
// top-level domain and phone numbers the ranges set aside for fiction
// (NANP 555-01xx, Ofcom 07700 900xxx), so a dataset pushed to a real
// Zendesk by mistake cannot reach a real person.

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
	"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy",
	"Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily", "Paul", "Michelle",
	"Andrew", "Amanda", "Kevin", "Melissa", "Brian", "Stephanie", "George", "Rebecca",
	"Priya", "Wei", "Aisha", "Mateo", "Sofia", "Lukas", "Yuki", "Olga", "Kwame", "Fatima",
	"Bob", "Chloé", "François", "Søren", "Zoë", "Ngozi", "Hiroshi", "Ana", "Omar", "Ines",
}

// asciiFirst holds email-safe spellings for names that are not plain ASCII.
var asciiFirst = map[string]string{"Chloé": "chloe", "François": "francois", "Søren": "soren", "Zoë": "zoe"}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
	"Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
	"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
	"Patel", "Nguyen", "Kim", "Chen", "Okafor", "Schmidt", "Rossi", "Kowalski",
	"O'Brien", "Müller", "Dubois", "Jensen", "Tanaka", "Silva", "Haddad", "Novak",
}

var asciiLast = map[string]string{"O'Brien": "obrien", "Müller": "mueller"}

// oddName is a customer name that exercises Unicode handling; cats says
// which edge cases it shows.
type oddName struct {
	name, first, local string
	cats               feat
}

var oddNames = []oddName{
	{"Zoe\u0308 Mu\u0308ller", "Zoe\u0308", "zoe.muller", fCombining},
	{"Jose\u0301 A\u0301lvarez", "Jose\u0301", "jose.alvarez", fCombining},
	{"محمد العلي", "محمد", "mohammed.alali", fRTL},
	{"نور الهدى", "نور", "nour.alhuda", fRTL},
	{"נועה כהן", "נועה", "noa.cohen", fRTL},
	{"Anna\u200bMaria Rossi", "Anna\u200bMaria", "annamaria.rossi", fZeroWidth},
	{"\ufeffLiam Walsh", "\ufeffLiam", "liam.walsh", fZeroWidth},
	{"Mia 🌸 Chen", "Mia", "mia.chen", fEmoji},
	{"DJ 👨\u200d👩\u200d👧 Family", "DJ", "dj.family", fEmoji | fZeroWidth},
	{"李小龙", "小龙", "xiaolong.li", 0},
	{"Z\u0324\u0354\u0367\u0311a\u0308\u0356\u032dl\u036e\u0312g\u030c\u0317o\u0319\u0314 Tester", "Zalgo", "zalgo.tester", fCombining},
}

var freeMailDomains = []string{
	"gmail.example", "gmail.example", "gmail.example", "yahoo.example", "outlook.example",
	"hotmail.example", "icloud.example", "proton.example", "aol.example",
}

var companyWords1 = []string{
	"Northwind", "Blue Harbor", "Summit", "Golden Gate", "Redwood", "Acorn", "Silver Lake",
	"Pioneer", "Evergreen", "Lighthouse", "Maple", "Granite", "Bright Path", "Orchard",
	"Café Zoë", "Ålesund", "Kite & Key", "Nova", "Hudson", "Cedar",
}

var companyWords2 = []string{
	"Traders", "Logistics", "Outfitters", "Health", "Labs", "Foods", "Apparel", "Studios",
	"Partners", "Supply Co.", "Systems", "Hospitality", "Retail Group", "Fitness",
}

var industries = []string{"Retail", "Healthcare", "Hospitality", "Logistics", "Software", "Education", "Manufacturing"}

var locales = []string{"en_US", "en_US", "en_US", "en_GB", "en_CA", "fr_FR", "de_DE", "es_MX", "ar_SA", "he_IL", "ja_JP", "pt_BR"}

var timeZones = []string{
	"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
	"Europe/London", "Europe/Paris", "Europe/Berlin", "Asia/Tokyo", "Asia/Jerusalem",
	"Asia/Riyadh", "America/Sao_Paulo", "Australia/Sydney",
}

var customerTags = []string{"vip", "VIP", "wholesale", "Newsletter Subscriber", "do not contact", "beta-tester", "High Value", "churn risk"}

var carriers = []string{"UPS", "FedEx", "USPS", "DHL", "Royal Mail", "La Poste"}

var attachmentKinds = []struct{ name, contentType string }{
	{"screenshot.png", "image/png"},
	{"IMG_2041.PNG", "image/png"},
	{"photo of damage.png", "image/png"},
	{"invoice.pdf", "application/pdf"},
	{"receipt (1).pdf", "application/pdf"},
	{"debug.log", "text/plain"},
	{"order-export.csv", "text/csv"},
	{"Rückgabe_Formular.pdf", "application/pdf"},
	// Names Zendesk would not take as they are: no extension, or one the
	// file's type contradicts.
	{"no_extension", "image/png"},
	{"scan.jpg", "image/png"},
}

// topic is what a conversation is about: its subjects and the lines each
// side writes.
type topic struct {
	reason   string
	subjects []string
	customer []string
	agent    []string
	chat     []string
}

// Templates take {order}, {first}, {agent}, {org} and {carrier}.
var topics = []topic{
	{
		reason:   "order status",
		subjects: []string{"Where is my order {order}?", "Order {order} not arrived", "Tracking not updating", "Still waiting on my package"},
		customer: []string{
			"I placed order {order} almost two weeks ago and it still hasn't arrived.",
			"The tracking page hasn't changed in five days.",
			"Can you tell me when my package will be delivered?",
			"It says it was handed to {carrier} but they have no record of it.",
			"I need this before the weekend, it's a birthday present.",
		},
		agent: []string{
			"Thanks for reaching out about order {order}.",
			"I checked with {carrier} and the package is in transit.",
			"It should arrive within two to three business days.",
			"I've flagged the shipment so our warehouse team keeps an eye on it.",
			"If it hasn't arrived by Friday, reply here and I'll send a replacement.",
		},
		chat: []string{"hi, where is my order?", "order {order}", "ok thanks", "it's been 2 weeks", "any update??", "perfect, thank you!"},
	},
	{
		reason:   "refund",
		subjects: []string{"Refund for order {order}", "Requesting a refund", "Money back please", "Refund not received"},
		customer: []string{
			"I returned the items from order {order} but haven't seen a refund.",
			"The return was delivered to your warehouse on Monday.",
			"Please refund the original payment method.",
			"My bank says nothing has been processed yet.",
		},
		agent: []string{
			"I've issued a full refund for order {order}.",
			"Refunds take five to ten business days to show on your statement.",
			"I can see the return was received and inspected.",
			"I'm sorry for the wait, {first}.",
		},
		chat: []string{"i want a refund", "order {order}", "when will i get my money back", "thanks"},
	},
	{
		reason:   "damaged item",
		subjects: []string{"Item arrived damaged", "Broken on arrival", "Damaged package - order {order}"},
		customer: []string{
			"The box was crushed and the item inside is broken.",
			"I've attached photos of the damage.",
			"I'd like a replacement rather than a refund if possible.",
			"This is the second time this has happened.",
		},
		agent: []string{
			"I'm so sorry your order arrived damaged.",
			"Thank you for the photos, that helps a lot.",
			"I've sent a replacement at no charge; you don't need to return the damaged one.",
			"I've also passed this on to our packaging team.",
		},
		chat: []string{"my item came broken", "should i send pictures?", "ok uploading now", "great thanks"},
	},
	{
		reason:   "account access",
		subjects: []string{"Can't log in", "Password reset not working", "Locked out of my account", "2FA code never arrives"},
		customer: []string{
			"I've tried resetting my password three times and never get the email.",
			"The app says my account is locked.",
			"I changed phones and no longer get the two-factor codes.",
			"I need to access my invoices today.",
		},
		agent: []string{
			"I've unlocked your account and sent a fresh reset link.",
			"Please check your spam folder for an email from {org}.",
			"I've reset two-factor authentication so you can enrol your new phone.",
			"Let me know if the link expires before you can use it.",
		},
		chat: []string{"cant login", "it says account locked", "tried that already", "ok got the email now", "works!"},
	},
	{
		reason:   "billing",
		subjects: []string{"Charged twice", "Question about my invoice", "Wrong amount billed", "Update card on file"},
		customer: []string{
			"I was charged twice for the same order.",
			"The invoice shows a fee I didn't agree to.",
			"Can you update the card on file? The old one expired.",
			"Please send a corrected invoice for our accounting team.",
		},
		agent: []string{
			"You're right, there was a duplicate charge and I've reversed it.",
			"The fee is the annual membership; I've waived it this time.",
			"For security I can't take card details here, but you can update them in your account settings.",
			"I've attached the corrected invoice.",
		},
		chat: []string{"why was i charged twice", "see my statement", "ok", "thanks for fixing"},
	},
	{
		reason:   "address change",
		subjects: []string{"Change shipping address", "Wrong address on order {order}", "Moving - please update address"},
		customer: []string{
			"I entered the wrong address on order {order}.",
			"Can you ship it to my work address instead?",
			"I'm moving next week, please update my default address.",
		},
		agent: []string{
			"I've updated the address before the order shipped.",
			"Unfortunately the order has already left our warehouse.",
			"I've asked {carrier} to redirect the package.",
		},
		chat: []string{"wrong address!!", "can u change it", "its 12 Oak St not 21", "ty"},
	},
	{
		reason:   "product question",
		subjects: []string{"Question about sizing", "Is this compatible?", "Product question", "Restock date?"},
		customer: []string{
			"Does the medium run true to size?",
			"Will this work with the older model?",
			"When will the blue one be back in stock?",
			"Is there a warranty on this?",
		},
		agent: []string{
			"Most customers find it runs slightly small, so I'd size up.",
			"Yes, it's compatible with every model since 2019.",
			"We expect a restock in about three weeks.",
			"Every product comes with a two-year warranty.",
		},
		chat: []string{"quick question", "does it come in XL", "and in blue?", "cool thx"},
	},
	{
		reason:   "cancellation",
		subjects: []string{"Cancel my subscription", "Please cancel order {order}", "Stop auto-renewal"},
		customer: []string{
			"Please cancel my subscription effective immediately.",
			"I didn't mean to place order {order}, can you cancel it?",
			"I don't want to be charged again next month.",
		},
		agent: []string{
			"I've cancelled your subscription; you won't be charged again.",
			"Order {order} has been cancelled and you won't be charged.",
			"You'll keep access until the end of the current period.",
		},
		chat: []string{"cancel please", "the subscription", "yes im sure", "bye"},
	},
}

var greetingsIn = []string{"Hi,", "Hello,", "Hi there,", "Hello {org} team,", "Good morning,", "To whom it may concern,", ""}

var closingsIn = []string{"Thanks,\n{first}", "Best regards,\n{first}", "Thank you!", "{first}\n\nSent from my iPhone", "Cheers,\n{first}", "Regards"}

var genericIn = []string{
	"I'd appreciate a quick reply.",
	"This is really frustrating.",
	"Thanks in advance for your help.",
	"I've been a customer for years and this has never happened before.",
	"Please let me know what you need from me.",
}

var autoReplies = []string{
	"Thanks for contacting {org}! We've received your message and will reply within one business day.",
	"Hi! This is an automatic reply to let you know we got your email. Your reference is {order}.",
}

var noteLines = []string{
	"Customer called in about this as well.",
	"Escalating to billing - duplicate charge confirmed in Stripe.",
	"@{agent} can you take a look? I'm out tomorrow.",
	"Refund approved by team lead.",
	"Replacement shipped via {carrier}.",
	"Possible fraud, do not refund until verified.",
	"Merged a duplicate conversation into this one.",
	"Spoke to the warehouse, package was mis-sorted.",
}

// Unicode samples, each showing one edge case.
var (
	emojiSamples     = []string{"🙏", "😡😡😡", "📦❓", "👍🏽", "👨\u200d👩\u200d👧\u200d👦", "🇫🇷", "❤️", "🎉🎉"}
	rtlSamples       = []string{"مرحبا، طلبي لم يصل بعد.", "شكراً جزيلاً لمساعدتكم", "שלום, ההזמנה שלי לא הגיעה.", "תודה רבה על העזרה"}
	combiningSamples = []string{"Cafe\u0301 order", "nin\u0303o", "Ame\u0301lie says hi", "Z\u0324\u0354\u0367a\u0308\u0356l\u036eg\u030co\u0319"}
	zeroWidthSamples = []string{"order\u200b#\u200b", "ple\u200case", "re\u2060fund", "\ufeffHello", "thanks\u200d"}
)

// logLines build the long bodies: a pasted log, which is how real
// messages grow past Zendesk's 65,535-character comment limit.
var logLines = []string{
	"ERROR [sync] request failed: timeout after 30000ms (attempt %d/5)",
	"WARN  [cart] price mismatch for sku %d, using catalogue price",
	"INFO  [auth] token refreshed for session %d",
	"ERROR [payment] gateway returned 502 Bad Gateway, retrying in %dms",
	"DEBUG [render] template checkout.html took %dms",
}
