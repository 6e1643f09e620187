package engine

import (
	"context"
	"strings"

	"github.com/kzmap/kzmap/engine/kind"
	"github.com/kzmap/kzmap/record"
)

// Teams become groups, and their members group memberships (spec/rules.md,
// rule 7): only of agents that exist, in groups that exist, since Zendesk
// refuses a membership for anyone else.

// groups maps teams, remembering each team's members (a ticket's assignee
// must be a member of its group) and which teams became groups.
func (g *Generator) groups(ctx context.Context, emit func(*Desired) error) error {
	err := g.snap.ForEach("team", func(id string, raw []byte) error {
		rec, err := record.DecodeJSON(raw)
		if err != nil {
			return nil
		}
		set := map[string]bool{}
		for _, u := range rec.(*record.Team).Members {
			set[u] = true
		}
		g.members[id] = set
		return nil
	})
	if err != nil {
		return err
	}
	return g.simple(kind.Group)(ctx, func(d *Desired) error {
		if d.Unwritable == "" {
			g.teams[strings.TrimPrefix(d.Sources[0], "team/")] = true
		}
		return emit(d)
	})
}

// memberships keeps only memberships of agents that exist: Zendesk refuses
// a membership for anyone else.
func (g *Generator) memberships(ctx context.Context, emit func(*Desired) error) error {
	for _, m := range g.mappings(kind.GroupMembership) {
		err := g.snap.ForEach(m.From, func(id string, raw []byte) error {
			rec, err := g.decode(m, m.From, id, raw)
			if err != nil {
				return nil
			}
			outs, err := g.evalOne(m, rec)
			if err != nil {
				return emit(&Desired{Kind: kind.GroupMembership, Key: m.Address() + ":" + id, Mapping: m.Address(), Pos: pos(m), Sources: []string{m.From + "/" + id}, Unwritable: err.Error()})
			}
			for _, p := range outs {
				user, _ := p["user"].(string)
				group, _ := p["group"].(string)
				if _, ok := g.agents[user]; !ok {
					g.Hz.Add("memberships_without_agent", m.DeclRange, id+"/"+user)
					continue
				}
				if !g.teams[group] {
					g.Hz.Add("memberships_without_group", m.DeclRange, group+"/"+user)
					continue
				}
				d := &Desired{Kind: kind.GroupMembership, Key: m.Address() + ":" + group + "/" + user, Mapping: m.Address(), Pos: pos(m),
					Sources: []string{m.From + "/" + id}, Payload: p}
				if err := emit(d); err != nil {
					return err
				}
			}
			return ctx.Err()
		})
		if err != nil {
			return err
		}
	}
	return nil
}
