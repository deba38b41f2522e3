INSERT INTO entries(key, value) VALUES ('swarm/coder/1', x'00ff', -1.5e3);
