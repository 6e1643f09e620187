package dataset

// oid is a Kustomer id: 12 bytes shown as 24 lowercase hex digits. Like a
// MongoDB ObjectID it starts with the record's creation second, so ids sort
// roughly by age (Kustomer's conversation list sorts by id). The rest is
// not random: a kind byte, the owner (customer index, or 0 for org-wide
// records) and a per-owner sequence number, which makes ids unique per
// type by construction without remembering any of them.
type oid [12]byte

// Kind bytes keep ids of different types apart, as real ObjectIDs are.
const (
	kindCompany byte = iota + 1
	kindCustomer
	kindUser
	kindTeam
	kindConversation
	kindMessage
	kindNote
	kindKlass
	kindKObject
	kindAttachment
	kindKB // the knowledge base the KB categories and articles name
	kindKBCategory
	kindKBArticle
	kindKBVersion
	kindMedia
)

func makeID(createdMs int64, kind byte, owner uint32, seq uint32) oid {
	if seq >= 1<<24 {
		panic("dataset: id sequence overflow")
	}
	secs := uint32(createdMs / 1000)
	return oid{
		byte(secs >> 24), byte(secs >> 16), byte(secs >> 8), byte(secs),
		kind,
		byte(owner >> 24), byte(owner >> 16), byte(owner >> 8), byte(owner),
		byte(seq >> 16), byte(seq >> 8), byte(seq),
	}
}

func (o oid) appendHex(b []byte) []byte {
	for _, c := range o {
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

func (o oid) String() string { return string(o.appendHex(make([]byte, 0, 24))) }
