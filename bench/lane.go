package main

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// A lane is one configuration every scenario is run against: a server (or
// the -addr target), the extra arguments it is started with, and the reader
// the load generator uses. Runs alternate between lanes, so lanes that are
// compared saw the same machine at nearly the same time; that is what makes
// a ratio between two of them trustworthy on a shared machine.
type lane struct {
	name   string   // how results are labelled
	server string   // a serverPackages key, or "target" for -addr
	args   []string // appended to the started server's command line
	reader string   // readerKinds
	// nodes, when 2 or more, makes the server that many teahouse
	// servers joined through NATS (-cluster, cluster.go).
	nodes int
}

// variant is one -variants entry: a name and the server arguments it adds.
type variant struct {
	name string
	args []string
}

// variantName is what a variant may be called: it labels table rows and
// JSON results.
var variantName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,32}$`)

// maxLanes bounds how many lanes one invocation may run.
const maxLanes = 8

// parseVariants reads -variants: entries separated by ';', each NAME=ARGS,
// ARGS split on spaces (no quoting; an empty ARGS is the server as
// -server-args leaves it). For example 'default=;nocoalesce=-coalesce 0'.
func parseVariants(s string) ([]variant, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var vs []variant
	seen := map[string]bool{}
	for _, entry := range strings.Split(s, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		name, args, ok := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if !ok || !variantName.MatchString(name) {
			return nil, fmt.Errorf("-variants: %q is not NAME=ARGS with a NAME of letters, digits, '_', '-' or '.'", entry)
		}
		if seen[name] {
			return nil, fmt.Errorf("-variants: %q named twice", name)
		}
		seen[name] = true
		vs = append(vs, variant{name: name, args: strings.Fields(args)})
	}
	return vs, nil
}

// lanes returns the configurations c asks for, in comparison order: each
// variant of the server (or the server or target alone), then the -vs
// reference, each with every reader. Lane names are the variant's, or
// the server's, with "/READER" added when several readers are compared.
func (c *config) lanes() ([]lane, error) {
	type base struct {
		name, server string
		args         []string
	}
	var bases []base
	switch {
	case c.addr != "":
		bases = append(bases, base{name: "target", server: "target"})
	case len(c.variants) > 0:
		for _, v := range c.variants {
			bases = append(bases, base{name: v.name, server: c.server, args: append(append([]string(nil), c.serverArgs...), v.args...)})
		}
	default:
		bases = append(bases, base{name: c.server, server: c.server, args: c.serverArgs})
	}
	if c.vs != "" {
		bases = append(bases, base{name: c.vs, server: c.vs}) // the reference has flags of its own
	}
	var ls []lane
	for _, b := range bases {
		for _, r := range c.readers {
			name := b.name
			if len(c.readers) > 1 {
				name += "/" + r
			}
			ls = append(ls, lane{name: name, server: b.server, args: b.args, reader: r})
		}
	}
	if c.cluster >= 2 {
		// Beside each teahouse lane, the same on several nodes.
		for _, l := range ls {
			if l.server == "teahouse" {
				l.name += "×" + strconv.Itoa(c.cluster)
				l.nodes = c.cluster
				ls = append(ls, l)
			}
		}
	}
	if len(ls) > maxLanes {
		return nil, fmt.Errorf("%d server variants × readers to compare; at most %d", len(ls), maxLanes)
	}
	return ls, nil
}
