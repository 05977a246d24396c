package esdbtest

import (
	"context"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
)

// Version is the EventStoreDB version whose behaviour the server follows and reports; caught-up
// signals in subscriptions, for one, exist since 23.10.
const Version = "24.10.0"

// featuresService answers the call the Go client makes right after it connects to a node. It
// lists only what the server implements, so the client never tries batch appends or persistent
// subscriptions on it.
type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

func (featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	method := func(service, name string) *serverfeatures.SupportedMethod {
		return &serverfeatures.SupportedMethod{ServiceName: service, MethodName: name}
	}
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: Version,
		Methods: []*serverfeatures.SupportedMethod{
			method("event_store.client.streams.streams", "read"),
			method("event_store.client.streams.streams", "append"),
			method("event_store.client.server_features.serverfeatures", "getsupportedmethods"),
		},
	}, nil
}
