package audit

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kzmap/kzmap/snapshot"
)

// Customers, shared emails and the users they become; agents and teams.

// unionFind joins customers that share an email.
type unionFind []int32

func (u unionFind) find(i int32) int32 {
	for u[i] != i {
		u[i] = u[u[i]]
		i = u[i]
	}
	return i
}

func auditCustomers(s *snapshot.Store, a *Audit, old func(string, []byte)) error {
	var p peopleByEmail
	err := s.ForEach("customer", func(id string, raw []byte) error {
		old("customer", raw)
		p.add(&a.Customers, raw)
		return nil
	})
	if err != nil {
		return err
	}
	p.finish(&a.Customers)
	return nil
}

// peopleByEmail joins customers who share an address (ignoring case) into
// the users Zendesk will hold: one email belongs to one user there.
type peopleByEmail struct {
	emails map[string]*sharedEmail
	uf     unionFind
}

type sharedEmail struct {
	first     int32
	customers int
	spellings map[string]bool
}

func (p *peopleByEmail) add(c *CustomerAudit, raw []byte) {
	var r struct {
		Attributes struct {
			Emails []struct {
				Email string `json:"email"`
			} `json:"emails"`
			Phones []struct {
				Phone string `json:"phone"`
			} `json:"phones"`
		} `json:"attributes"`
	}
	// A record that does not parse counts as a customer without an email:
	// the plan reports it by id, the audit only counts.
	_ = json.Unmarshal(raw, &r)
	if p.emails == nil {
		p.emails = map[string]*sharedEmail{}
	}
	i := int32(len(p.uf))
	p.uf = append(p.uf, i)
	c.Total++
	seen := map[string]bool{}
	for _, e := range r.Attributes.Emails {
		addr := strings.TrimSpace(e.Email)
		key := strings.ToLower(addr)
		if key == "" || seen[key] {
			continue
		}
		seen[key] = true
		em, ok := p.emails[key]
		if !ok {
			p.emails[key] = &sharedEmail{first: i, customers: 1, spellings: map[string]bool{addr: true}}
			continue
		}
		em.customers++
		em.spellings[addr] = true
		if ra, rb := p.uf.find(i), p.uf.find(em.first); ra != rb {
			p.uf[ra] = rb
		}
	}
	if len(seen) == 0 {
		c.WithoutEmail++
		for _, ph := range r.Attributes.Phones {
			if strings.TrimSpace(ph.Phone) != "" {
				c.PhoneOnly++
				break
			}
		}
	}
}

func (p *peopleByEmail) finish(c *CustomerAudit) {
	size := map[int32]int{}
	for i := range p.uf {
		size[p.uf.find(int32(i))]++
	}
	for _, n := range size {
		if n > 1 {
			c.Sharing += n
			c.MergedUsers++
		}
	}
	c.Users = c.Total - c.Sharing + c.MergedUsers
	for key, em := range p.emails {
		if em.customers < 2 {
			continue
		}
		c.DuplicateEmails++
		if len(em.spellings) > 1 {
			c.CaseVariants++
		}
		c.Examples = append(c.Examples, DupEmail{Email: key, Customers: em.customers, Spellings: slices.Sorted(maps.Keys(em.spellings))})
	}
	sort.Slice(c.Examples, func(i, j int) bool {
		if c.Examples[i].Customers != c.Examples[j].Customers {
			return c.Examples[i].Customers > c.Examples[j].Customers
		}
		return c.Examples[i].Email < c.Examples[j].Email
	})
	c.Examples = c.Examples[:min(len(c.Examples), 10)]
}

func auditAgents(s *snapshot.Store, a *Audit) error {
	g := &a.Agents
	g.ByType = map[string]int{}
	users := map[string]bool{}
	teamed := map[string]bool{}
	err := s.ForEach("user", func(id string, raw []byte) error {
		var u struct {
			Attributes struct {
				UserType string `json:"userType"`
			} `json:"attributes"`
		}
		json.Unmarshal(raw, &u)
		t := u.Attributes.UserType
		if t == "" {
			t = "user"
		}
		g.ByType[t]++
		g.Users++
		users[id] = true
		return nil
	})
	if err != nil {
		return err
	}
	err = s.ForEach("team", func(id string, raw []byte) error {
		var t struct {
			Attributes struct {
				Members []string `json:"members"`
			} `json:"attributes"`
		}
		json.Unmarshal(raw, &t)
		g.Teams++
		if len(t.Attributes.Members) == 0 {
			g.EmptyTeams++
		}
		for _, m := range t.Attributes.Members {
			teamed[m] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	for id := range users {
		if !teamed[id] {
			g.Unteamed++
		}
	}
	missing := map[string]bool{}
	err = s.ForEach("conversation", func(id string, raw []byte) error {
		var c struct {
			Attributes struct {
				AssignedUsers []string `json:"assignedUsers"`
			} `json:"attributes"`
		}
		json.Unmarshal(raw, &c)
		hit := false
		for _, u := range c.Attributes.AssignedUsers {
			if !users[u] {
				missing[u] = true
				hit = true
			}
		}
		if hit {
			g.MissingConversations++
		}
		return nil
	})
	g.Missing = len(missing)
	return err
}
