// The shape of one measured run: how many connections, how many tasks a read asks for, how many tasks
// each user owns. The main table runs one shape (the method: 50 connections, page 20, users with
// 1,000 tasks); `--scaling` varies one dimension at a time around it, to show how the cost grows.

export interface LoadShape {
  connections: number;
  pageSize: number;
  tasksPerUser: number;
}

export const BASE_PAGE_SIZE = 20;
export const BASE_TASKS_PER_USER = 1_000;
export const LARGE_TASKS_PER_USER = 100_000;
/** The smoke run's "large" users: enough to exercise the path, small enough to seed in seconds in CI. */
export const SMOKE_LARGE_TASKS_PER_USER = 5_000;

/** The method: page 20, users with 1,000 tasks, at the run's connections. */
export function baseShape(connections: number): LoadShape {
  return { connections, pageSize: BASE_PAGE_SIZE, tasksPerUser: BASE_TASKS_PER_USER };
}

export type Dimension = "connections" | "page size" | "tasks per user";

export interface ScalingStep {
  dimension: Dimension;
  value: number;
  shape: LoadShape;
}

/** One dimension at a time around the base shape; the base appears once per dimension, measured once. */
export function scalingSteps(base: LoadShape, largeTasksPerUser: number): ScalingStep[] {
  return [
    ...[10, 50, 200].map((connections) => ({ dimension: "connections" as const, value: connections, shape: { ...base, connections } })),
    ...[1, 20, 100].map((pageSize) => ({ dimension: "page size" as const, value: pageSize, shape: { ...base, pageSize } })),
    ...[base.tasksPerUser, largeTasksPerUser].map((tasksPerUser) => ({
      dimension: "tasks per user" as const,
      value: tasksPerUser,
      shape: { ...base, tasksPerUser },
    })),
  ];
}

export function sameShape(a: LoadShape, b: LoadShape): boolean {
  return a.connections === b.connections && a.pageSize === b.pageSize && a.tasksPerUser === b.tasksPerUser;
}

/** The distinct shapes of a list, in first-seen order. */
export function distinctShapes(shapes: LoadShape[]): LoadShape[] {
  return shapes.filter((shape, index) => shapes.findIndex((other) => sameShape(shape, other)) === index);
}

export function describeShape(shape: LoadShape): string {
  return `${shape.connections} connections, page ${shape.pageSize}, ${shape.tasksPerUser.toLocaleString("en-US")} tasks per user`;
}
