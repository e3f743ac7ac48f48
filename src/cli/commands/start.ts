/** `kitten start [svc...]`: start a project's stopped containers (all services, or the named ones). */
import { serviceVerb } from "../service-verb.ts";

export default serviceVerb("start", "start a project's stopped containers");
