import { type FormEvent, useState } from "react";
import { useAction } from "../ui/use-action.ts";

/**
 * A new password typed twice, then sent (`send` answers the auth service's failure in words, or null):
 * the reset link's page and the email change's undo page. The two typings must match before anything is sent.
 */
export function useNewPasswordForm(send: (newPassword: string) => Promise<string | null>, done: () => void) {
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const { pending, problem, setProblem, run } = useAction();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password !== repeated) {
      setProblem("The two passwords are not the same.");
      return;
    }
    if (await run(() => send(password))) done();
  }

  return { password, setPassword, repeated, setRepeated, pending, problem, submit };
}
