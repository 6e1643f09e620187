// Package simkit holds the parts the Kustomer and Zendesk simulators share:
// a seeded fault switch (Faults), a fixed-window rate limiter with an
// injectable clock (Window), and request statistics that notice clients
// retrying before a Retry-After elapsed (Stats).
//
// Nothing here knows either API: error bodies, routes and client identity
// are supplied by the simulator through hooks, so each simulator stays
// faithful to its own service's shapes.
package simkit
