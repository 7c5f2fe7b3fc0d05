import { builder } from "../builder.ts";
import "./admin.ts";
import "./audit.ts";
import "./task.ts";
import "./task-event.ts";
import "./user.ts";

export const schema = builder.toSchema({ sortSchema: true });
