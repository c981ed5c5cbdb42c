"""The bundled demo: a realistic team-channel conversation that `coachbot demo` replays."""
