// Every test sees UTC so that rendered times and cost windows do not depend on the machine.
process.env.TZ = 'UTC';
